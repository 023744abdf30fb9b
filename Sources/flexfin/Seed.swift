import ArgumentParser
import Domain
import Ledger
import Settings

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create users with one funded wallet each (w0001 of u0001, …) and the system accounts. Rerunnable.")

    @Option(help: "How many wallets.") var wallets = 1000
    @Option(help: "Opening balance of each new wallet, in minor units.") var balance: Int64 = 1_000_000
    @Option(help: "ISO 4217 currency code.") var currency = "USD"

    func validate() throws {
        guard wallets > 0, balance >= 0 else { throw ValidationError("--wallets must be positive and --balance not negative") }
        guard Currency(currency) != nil else { throw ValidationError("--currency \(currency) is not an ISO 4217 code") }
    }

    func run() throws {
        let database = try ServiceSettings.fromEnvironment().connectDatabase()
        let result = try Seeding.seed(wallets: wallets, balance: balance, currency: currency, in: database)
        print("seeded: \(result.created) wallets created and funded with \(balance) \(currency) minor units, \(result.existing) already there")
    }
}
