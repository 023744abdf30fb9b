import Domain
import PostgresClient

/// Creates users with one funded wallet each, and the system accounts.
/// Rerunnable: existing users and wallets are left as they are, and only
/// wallets created now are funded — from the external clearing account, as
/// a transfer, so every balance is the sum of its ledger entries.
public enum Seeding {
    public struct Result: Sendable {
        public let created: Int
        public let existing: Int
    }

    /// `0001` for 1 of up to 9,999; wider when there are more.
    public static func number(_ index: Int, of count: Int) -> String {
        let width = max(4, String(count).count)
        return String(repeating: "0", count: max(0, width - String(index).count)) + String(index)
    }

    public static func wallet(_ index: Int, of count: Int) -> String { "w" + number(index, of: count) }
    public static func user(_ index: Int, of count: Int) -> String { "u" + number(index, of: count) }

    /// Wallet `w0001` belongs to user `u0001`, and so on.
    public static func seed(
        wallets count: Int, balance: Int64, currency: String,
        in database: PostgresConnection
    ) throws -> Result {
        guard count > 0 else { return Result(created: 0, existing: 0) }
        return try seed(
            wallets: (1...count).map { wallet($0, of: count) }, users: (1...count).map { user($0, of: count) }, balance: balance,
            currency: currency, in: database)
    }

    /// `wallets[i]` belongs to `users[i]`.
    public static func seed(
        wallets: [String], users: [String], balance: Int64, currency: String, in database: PostgresConnection
    ) throws -> Result {
        let count = wallets.count
        return try database.transaction { db in
            try db.query(
                """
                INSERT INTO accounts (id, kind, currency) VALUES ($1, 'clearing', $3), ($2, 'fees', $3) ON CONFLICT DO NOTHING
                """, [SystemAccount.clearing(currency), SystemAccount.fees(currency), currency])
            try db.query("INSERT INTO users (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", [users])
            let created = try db.query(
                """
                INSERT INTO accounts (id, kind, user_id, currency)
                SELECT w, 'wallet', u, $3 FROM unnest($1::text[], $2::text[]) AS x(w, u)
                ON CONFLICT DO NOTHING RETURNING id
                """, [wallets, users, currency])
            let fresh = try (0..<created.count).map { try created.decode($0, "id", as: String.self) }
            if balance > 0 && !fresh.isEmpty {
                let clearing = SystemAccount.clearing(currency)
                try LedgerStore.post(
                    fresh.map {
                        TransferPosting(
                            commandId: "funding:\($0)", kind: "funding", debitAccount: clearing,
                            creditAccount: $0, amount: balance, currency: currency)
                    }, in: db)
                var changes = Dictionary(uniqueKeysWithValues: fresh.map { ($0, balance) })
                changes[clearing] = -balance * Int64(fresh.count)
                try LedgerStore.applyBalanceChanges(changes, in: db)
            }
            return Result(created: fresh.count, existing: count - fresh.count)
        }
    }
}
