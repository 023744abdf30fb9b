import PostgresClient

/// `flexfin ledger verify`: proves the ledger's rules on a live database,
/// from one consistent snapshot.
public enum LedgerVerification {
    public struct Report: Sendable {
        public let transfers: Int
        public let entries: Int
        public let accounts: Int
        /// The first violation of each rule; empty when the ledger holds.
        public let problems: [String]
    }

    public static func run(on database: PostgresConnection) throws -> Report {
        try database.transaction(.repeatableRead) { db in
            var problems: [String] = []
            func first(_ sql: String, _ describe: (PostgresRows) -> String) throws {
                let rows = try db.query(sql)
                if !rows.isEmpty { problems.append(describe(rows)) }
            }
            try first("""
                SELECT t.id, t.command_id, coalesce(sum(e.amount), 0), count(e.id)
                FROM transfers t LEFT JOIN ledger_entries e ON e.transfer_id = t.id
                GROUP BY t.id HAVING coalesce(sum(e.amount), 0) <> 0 OR count(e.id) <> 2
                ORDER BY t.id LIMIT 1
                """) { "transfer \($0.string(0, 0)!) (command \($0.string(0, 1)!)): \($0.string(0, 3)!) entries summing to \($0.string(0, 2)!), expected 2 summing to 0" }
            try first("""
                SELECT e.id, e.transfer_id, e.account_id, e.amount
                FROM ledger_entries e LEFT JOIN transfers t ON t.id = e.transfer_id
                WHERE t.id IS NULL
                   OR NOT ((e.amount < 0 AND e.account_id = t.debit_account AND -e.amount = t.amount)
                        OR (e.amount > 0 AND e.account_id = t.credit_account AND e.amount = t.amount))
                ORDER BY e.id LIMIT 1
                """) { "ledger entry \($0.string(0, 0)!) (transfer \($0.string(0, 1)!), account \($0.string(0, 2)!), \($0.string(0, 3)!)) does not match a debit or credit of its transfer" }
            try first("""
                SELECT a.id, a.balance, coalesce(s.total, 0)
                FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_entries GROUP BY account_id) s
                  ON s.account_id = a.id
                WHERE a.balance <> coalesce(s.total, 0) ORDER BY a.id LIMIT 1
                """) { "account \($0.string(0, 0)!): balance \($0.string(0, 1)!) but its entries sum to \($0.string(0, 2)!)" }
            try first("SELECT id, balance FROM accounts WHERE kind = 'wallet' AND balance < 0 ORDER BY id LIMIT 1") {
                "wallet \($0.string(0, 0)!) is below zero: \($0.string(0, 1)!)"
            }
            try first("""
                SELECT e.id, e.account_id, e.currency, a.currency FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.currency <> a.currency ORDER BY e.id LIMIT 1
                """) { "ledger entry \($0.string(0, 0)!) on \($0.string(0, 1)!) is in \($0.string(0, 2)!), the account holds \($0.string(0, 3)!)" }
            let counts = try db.query("SELECT (SELECT count(*) FROM transfers), (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM accounts)")
            return Report(transfers: counts.int(0, 0)!, entries: counts.int(0, 1)!, accounts: counts.int(0, 2)!, problems: problems)
        }
    }
}
