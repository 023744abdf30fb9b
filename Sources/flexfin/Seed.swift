import ArgumentParser
import Domain
import Ledger
import Milestones
import Repayments
import SeededWorld
import Settings

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create users with one funded wallet each (w0001 of u0001, …), projects and debts, for benchmarks and tests. Rerunnable.",
        discussion: """
            Each thing is created through its worker's own code, as its command would create it (no events are published): \
            wallets by account.open and a deposit from the gateway 'seed'; projects (p0001, …) by project.create, from client \
            u(i) to freelancer u(i+1), four milestones each, the first three funded by milestone.fund from the client's wallet, \
            every second paying into a portfolio wallet; debts (d0001, …) by debt.open, user i's to lender.bank.<currency>, \
            not disbursed.
            """)

    @Option(help: "How many wallets.") var wallets = 1000
    @Option(help: "Opening balance of each new wallet, in minor units.") var balance: Int64 = 1_000_000
    @Option(help: "ISO 4217 currency code.") var currency = "USD"
    @Option(help: "How many projects.") var projects = 0
    @Option(help: "How many debts.") var debts = 0

    func validate() throws {
        guard wallets > 0, balance >= 0 else { throw ValidationError("--wallets must be positive and --balance not negative") }
        guard projects >= 0, debts >= 0 else { throw ValidationError("--projects and --debts must not be negative") }
        guard projects == 0 || wallets >= 2 else { throw ValidationError("projects need at least two wallets") }
        guard Currency(currency) != nil else { throw ValidationError("--currency \(currency) is not an ISO 4217 code") }
    }

    func run() throws {
        let database = try ServiceSettings.fromEnvironment().connectDatabase()
        let result = try WalletSeeding.seed(wallets: wallets, balance: balance, currency: currency, in: database)
        print(
            "seeded: \(result.created) wallets created and funded with \(Money.text(balance, currency)) each, \(result.existing) already there"
        )
        if projects > 0 {
            let seeded = try ProjectSeeding.seed(projects: projects, wallets: wallets, currency: currency, in: database)
            print(
                "seeded: \(seeded.created) projects created with \(ProjectSeeding.milestoneAmounts.count) milestones each "
                    + "(\(seeded.fundedMilestones) funded from the clients' wallets), \(projects - seeded.created) already there")
        }
        if debts > 0 {
            let created = try DebtSeeding.seed(debts: debts, wallets: wallets, currency: currency, in: database)
            print("seeded: \(created) debts created to \(DebtSeeding.lender(currency)), \(debts - created) already there")
        }
    }
}
