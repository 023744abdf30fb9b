import ArgumentParser
import Domain

struct SubmitProjectCreation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project-create", abstract: "Create a project with its milestones (project.create); prints its command id.")

    @Option(help: "The new project's id.") var project: String
    @Option(help: "The client: funds and completes milestones.") var client: String
    @Option(help: "The freelancer.") var freelancer: String
    @Option(help: "The freelancer's wallet every release pays into.") var payout: String
    @Option(help: "ISO 4217 currency code.") var currency = "USD"
    @Option(help: "The platform's fee on each release, in basis points (default: the platform's rate).") var feeBps: Int64?
    @Option(help: "A milestone as id:amount:title[:YYYY-MM-DD], amount a decimal (repeat, 1 to 50).") var milestone: [String]
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        let milestones = try milestone.map { text -> ProjectCreation.Milestone in
            let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3 else { throw ValidationError("--milestone \(text): id:amount:title[:YYYY-MM-DD]") }
            var due: CalendarDay?
            if parts.count == 4 {
                guard let day = CalendarDay(iso: parts[3]) else { throw ValidationError("--milestone \(text): \(parts[3]) is not a date") }
                due = day
            }
            return .init(id: parts[0], title: parts[2], amount: try parseAmount(parts[1], currency).minorUnits, dueDate: due)
        }
        guard let code = Currency(currency) else { throw ValidationError("--currency \(currency) is not an ISO 4217 code") }
        try publishOne(
            ProjectCreation(
                commandId: id ?? newCommandId(), projectId: project, client: client, freelancer: freelancer, currency: code,
                feeBasisPoints: feeBps, payoutAccount: payout, milestones: milestones), topologyFile)
    }
}
