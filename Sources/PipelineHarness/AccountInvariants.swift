import Ledger
import PostgresClient

/// What must hold of money in and out and of frozen wallets, whatever the
/// workload and whatever order its commands were decided in.
enum AccountInvariants {
    static func check(in db: PostgresConnection) throws -> [Invariants.Check] {
        var checks: [Invariants.Check] = []
        func none(_ name: String, _ sql: String) throws {
            let found = try db.query(sql).int(0, 0) ?? -1
            checks.append(Invariants.Check(name: name, ok: found == 0, detail: "\(found) found"))
        }
        try none(
            "each (gateway, external_id) credits once",
            """
            SELECT count(*) FROM (SELECT 1 FROM transfers WHERE kind = 'deposit'
                                  GROUP BY split_part(debit_account, '.', 2), reference HAVING count(*) > 1) twice
            """)
        try none(
            "a withdrawal ends once: settled or failed, never both, and only a decided one",
            """
            SELECT count(*) FROM withdrawals w
            WHERE (SELECT count(*) FROM transfers t WHERE t.reference = w.id AND t.kind IN ('withdrawal_settlement', 'withdrawal_return'))
                  <> CASE w.status WHEN 'pending' THEN 0 ELSE 1 END
               OR (w.status = 'settled') <> EXISTS (SELECT FROM transfers t WHERE t.reference = w.id AND t.kind = 'withdrawal_settlement')
            """)
        try none(
            "each gateway's payout account holds exactly its pending withdrawals",
            """
            SELECT count(*) FROM accounts a
            WHERE a.kind = 'payout' AND a.balance <> (SELECT coalesce(sum(amount), 0) FROM withdrawals w
                                                      WHERE w.status = 'pending' AND a.id = 'payout.' || w.gateway || '.' || w.currency)
            """)
        try none(
            "no debit from a frozen wallet after its freeze",
            """
            SELECT count(*) FROM account_status_changes f
            JOIN ledger_entries e ON e.account_id = f.account AND e.amount < 0 AND e.id > f.last_entry_id
            WHERE f.status = 'frozen'
              AND e.id <= coalesce((SELECT min(n.last_entry_id) FROM account_status_changes n
                                    WHERE n.account = f.account AND n.id > f.id), 9223372036854775807)
            """)
        // Read through the statement, as users read it, page by page.
        let wallets = try db.query("SELECT id, balance FROM accounts WHERE kind = 'wallet' ORDER BY id")
        var wrong: [String] = []
        for row in 0..<wallets.count {
            let (id, balance) = (try wallets.decode(row, "id", as: String.self), try wallets.decode(row, "balance", as: Int64.self))
            var (sum, after, oldest): (Int64, Int64?, AccountReads.Entry?) = (0, nil, nil)
            repeat {
                guard let page = try AccountReads.statement(id, after: after, limit: AccountReads.maxPage, in: db) else { break }
                sum += page.entries.reduce(0) { $0 + $1.amount }
                (after, oldest) = (page.next, page.entries.last ?? oldest)
            } while after != nil
            if sum != balance || (oldest.map { $0.balanceAfter - $0.amount } ?? 0) != 0 { wrong.append(id) }
        }
        checks.append(
            Invariants.Check(
                name: "every wallet's statement adds up to its balance", ok: wrong.isEmpty,
                detail: "\(wrong.count) of \(wallets.count) do not\(wrong.isEmpty ? "" : ": " + wrong.prefix(5).joined(separator: ", "))"))
        return checks
    }
}
