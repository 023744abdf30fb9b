import Domain
import Milestones
import PostgresClient

/// Seeds projects between the seeded users through the milestones worker's
/// own code (`MilestoneHandler.apply`): a `project.create` each with four
/// milestones, then a `milestone.fund` of each of the first three from the
/// client's wallet (refused, and so left pending, when the wallet cannot
/// cover it). Every second project pays into a portfolio wallet of its
/// freelancer, opened as users open theirs. Rerunnable: a project that
/// exists is refused (`project_exists`) and its milestones are not funded
/// again.
public enum ProjectSeeding {
    public static let milestoneAmounts: [Int64] = [10_000, 25_000, 40_000, 15_000]
    public static let fundedPerProject = 3

    /// Project i (`p0001`…) has client u(i) and freelancer u(i+1) of the
    /// `wallets` seeded users.
    /// Returns the projects created now and how many of their milestones were funded.
    public static func seed(
        projects count: Int, wallets: Int, currency: String, in database: PostgresConnection
    ) throws -> (created: Int, fundedMilestones: Int) {
        guard count > 0 else { return (0, 0) }
        precondition(wallets >= 2, "projects need at least two users")
        guard let code = Currency(currency) else { preconditionFailure("\(currency) is not an ISO 4217 code") }
        let projects = (1...count).map { index in
            let client = (index - 1) % wallets + 1
            let freelancer = client % wallets + 1
            return (
                id: "p" + Seeding.number(index, of: count), client: client, freelancer: freelancer,
                portfolio: index % 2 == 0 ? "pw" + Seeding.number(freelancer, of: wallets) : nil
            )
        }
        var portfolios: [String: String] = [:]
        for project in projects { if let wallet = project.portfolio { portfolios[wallet] = Seeding.user(project.freelancer, of: wallets) } }
        let opened = portfolios.keys.sorted()
        _ = try WalletSeeding.seed(
            wallets: opened, users: opened.map { portfolios[$0]! }, balance: 0, currency: currency, purpose: .portfolio, in: database)

        var commands: [MilestoneCommand] = []
        var fundings: [MilestoneCommand] = []
        for project in projects {
            let creation = ProjectCreation(
                commandId: "seed-project:\(project.id)", projectId: project.id, client: Seeding.user(project.client, of: wallets),
                freelancer: Seeding.user(project.freelancer, of: wallets), currency: code,
                payoutAccount: project.portfolio ?? Seeding.wallet(project.freelancer, of: wallets),
                milestones: milestoneAmounts.enumerated().map {
                    .init(id: "\(project.id)-m\($0 + 1)", title: "milestone \($0 + 1)", amount: $1)
                })
            commands.append(.create(creation))
            fundings += creation.milestones.prefix(fundedPerProject).map {
                .fund(
                    MilestoneFunding(
                        commandId: "seed-escrow:\($0.id)", projectId: project.id, milestoneId: $0.id,
                        fromAccount: Seeding.wallet(project.client, of: wallets), amount: $0.amount))
            }
        }
        let effects = try database.transaction { try MilestoneHandler().apply(commands + fundings, in: $0) }
        return (
            effects.events.filter { $0.type == .projectCreated }.count, effects.events.filter { $0.type == .milestoneFunded }.count
        )
    }
}
