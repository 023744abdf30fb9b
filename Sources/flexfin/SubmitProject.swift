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

struct SubmitMilestoneFunding: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "milestone-fund", abstract: "Pay part or all of a milestone into its escrow (milestone.fund); prints its command id.")

    @Option(help: "The project.") var project: String
    @Option(help: "The milestone.") var milestone: String
    @Option(help: "The paying wallet: the project client's.") var from: String
    @Option(help: "Amount as a decimal in the project's currency, e.g. 12.34 (read as text, never floating point).") var amount: String
    @Option(help: "The project's currency (ISO 4217), for reading the amount.") var currency = "USD"
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        try publishOne(
            MilestoneFunding(
                commandId: id ?? newCommandId(), projectId: project, milestoneId: milestone, fromAccount: from,
                amount: try parseAmount(amount, currency).minorUnits), topologyFile)
    }
}

struct SubmitMilestoneCancellation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "milestone-cancel",
        abstract: "Cancel a milestone: its escrow goes back to the wallets that funded it (milestone.cancel); prints its command id.")

    @Option(help: "The project.") var project: String
    @Option(help: "The milestone.") var milestone: String
    @Option(help: "The project's client, or 'operator'.") var by: String
    @Option(help: "Why (told to both parties).") var reason: String
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var actor: ActorOption
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        try publishOne(
            MilestoneCancellation(commandId: id ?? newCommandId(), projectId: project, milestoneId: milestone, by: by, reason: reason),
            topologyFile, actor: actor.name)
    }
}
