import Accounts
import Domain
import Ledger
import PostgresClient

/// Seeds users with one funded wallet each, through the accounts worker's
/// own code (`AccountHandler.apply`): an `account.open` per wallet, then a
/// `deposit` from the gateway `seed` for its opening balance. So a seeded
/// wallet is what a user's would be, and every balance is the sum of its
/// ledger entries. Rerunnable: an existing wallet is opened again with no
/// change, and its deposit (same `external_id`) is refused as a duplicate,
/// so only wallets created now are funded. Seeding publishes no events.
public enum WalletSeeding {
    public static let gateway = "seed"

    /// Wallet `w0001` belongs to user `u0001`, and so on.
    public static func seed(wallets count: Int, balance: Int64, currency: String, in database: PostgresConnection) throws -> Seeding.Result
    {
        guard count > 0 else { return Seeding.Result(created: 0, existing: 0) }
        return try seed(
            wallets: (1...count).map { Seeding.wallet($0, of: count) }, users: (1...count).map { Seeding.user($0, of: count) },
            balance: balance, currency: currency, in: database)
    }

    /// `wallets[i]` belongs to `users[i]`; `purpose` is each wallet's.
    public static func seed(
        wallets: [String], users: [String], balance: Int64, currency: String, purpose: AccountPurpose = .personal,
        in database: PostgresConnection
    ) throws -> Seeding.Result {
        guard let code = Currency(currency) else { preconditionFailure("\(currency) is not an ISO 4217 code") }
        var commands = zip(wallets, users).map { wallet, user in
            AccountCommand.open(
                AccountOpening(commandId: "seed-open:\(wallet)", accountId: wallet, userId: user, currency: code, purpose: purpose))
        }
        if balance > 0 {
            commands += wallets.map {
                .deposit(
                    Deposit(
                        commandId: "seed-deposit:\($0)", account: $0, amount: Money(minorUnits: balance, currency: code), gateway: gateway,
                        externalId: "seed:\($0)"))
            }
        }
        let effects = try database.transaction { try AccountHandler().apply(commands, in: $0) }
        let created = effects.events.filter { $0.type == .accountOpened }.count
        return Seeding.Result(created: created, existing: wallets.count - created)
    }

    /// Withdrawals requested and left pending, through the same code: each
    /// wallet's amount moved into the gateway's payout account, a pending row.
    public static func requestWithdrawals(
        _ requests: [(id: String, wallet: String)], amount: Money, gateway: String, destination: String, in database: PostgresConnection
    ) throws {
        let commands = requests.map {
            AccountCommand.withdrawal(
                Withdrawal(commandId: $0.id, account: $0.wallet, amount: amount, gateway: gateway, destination: destination))
        }
        let effects = try database.transaction { try AccountHandler().apply(commands, in: $0) }
        precondition(effects.rejections.isEmpty, "seeded withdrawals refused: \(effects.rejections)")
    }
}
