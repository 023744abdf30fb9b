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

    public static func clearingAccount(_ currency: String) -> String { "clearing.\(currency)" }

    /// Wallet `w0001` belongs to user `u0001`, and so on.
    public static func seed(wallets count: Int, balance: Int64, currency: String,
                            in database: PostgresConnection) throws -> Result {
        guard count > 0 else { return Result(created: 0, existing: 0) }
        let width = max(4, String(count).count)
        let numbers = (1...count).map { String(repeating: "0", count: width - String($0).count) + String($0) }
        let wallets = numbers.map { "w" + $0 }
        let users = numbers.map { "u" + $0 }
        return try database.transaction { db in
            try db.query("""
                INSERT INTO accounts (id, kind, currency)
                SELECT kind || '.' || $1, kind, $1 FROM unnest(ARRAY['clearing', 'escrow', 'fees']) AS kind
                ON CONFLICT DO NOTHING
                """, [currency])
            try db.query("INSERT INTO users (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", [users])
            let created = try db.query("""
                INSERT INTO accounts (id, kind, user_id, currency)
                SELECT w, 'wallet', u, $3 FROM unnest($1::text[], $2::text[]) AS x(w, u)
                ON CONFLICT DO NOTHING RETURNING id
                """, [wallets, users, currency])
            let fresh = (0..<created.count).compactMap { created.string($0, 0) }
            if balance > 0 && !fresh.isEmpty {
                let clearing = clearingAccount(currency)
                try LedgerStore.post(fresh.map {
                    TransferPosting(commandId: "funding:\($0)", kind: "funding", debitAccount: clearing,
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
