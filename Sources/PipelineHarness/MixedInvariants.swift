import Domain
import PostgresClient
import Settings
import Topology

/// The end state of a mixed run against what the workload fixed by
/// construction, and the rules that hold whatever the workload.
public enum MixedInvariants {
    public static func check(_ expected: MixedWorkload.Expected, settings: ServiceSettings, topology: TopologySpec) throws -> [Invariants
        .Check]
    {
        let db = try settings.connectDatabase()
        var checks: [Invariants.Check] = []
        func count(_ name: String, _ sql: String, _ want: Int, _ parameters: [any PostgresBindable] = []) throws {
            let got = try db.query(sql, parameters).int(0, 0) ?? -1
            checks.append(Invariants.Check(name: name, ok: got == want, detail: "\(got), expected \(want)"))
        }
        // By consumer: the inbox knows who decided a command, not its type.
        let types = Dictionary(grouping: expected.unique.keys) { CommandType(rawValue: $0)?.consumer.rawValue ?? "?" }
        for consumer in types.keys.sorted() {
            let sum = { (counts: [String: Int]) in types[consumer]!.reduce(0) { $0 + (counts[$1] ?? 0) } }
            let named = types[consumer]!.sorted().joined(separator: ", ")
            // Commands carry a digest; the risk queue's triggering events do not.
            try count(
                "\(named): every command decided once", "SELECT count(*) FROM inbox WHERE consumer = $1 AND digest IS NOT NULL",
                sum(expected.unique), [consumer])
            let rejected =
                try db.query("SELECT count(*) FROM inbox WHERE consumer = $1 AND outcome = 'rejected'", [consumer]).int(0, 0) ?? -1
            let (least, most) = (sum(expected.rejected), sum(expected.rejected) + sum(expected.uncertain))
            checks.append(
                Invariants.Check(
                    name: "\(named): rejections", ok: (least...most).contains(rejected),
                    detail: least == most ? "\(rejected), expected \(least)" : "\(rejected), expected \(least) to \(most)"))
        }
        try count("debts paid off", "SELECT count(*) FROM debts WHERE status = 'paid_off'", expected.paidOff)
        try count(
            "every escrow holds its fundings less its release and returns",
            """
            WITH moved AS (
                SELECT credit_account AS id, amount FROM transfers WHERE kind = 'escrow_fund'
                UNION ALL SELECT debit_account, -amount FROM transfers WHERE kind IN ('milestone_release', 'escrow_return')),
              net AS (SELECT id, sum(amount) AS total FROM moved GROUP BY 1)
            SELECT count(*) FROM milestones m JOIN accounts a ON a.id = m.escrow_account LEFT JOIN net ON net.id = m.escrow_account
            WHERE a.balance <> coalesce(net.total, 0)
            """, 0)
        try count(
            "a cancelled milestone's funders got back exactly what each paid in, and only theirs came back",
            """
            WITH moved AS (
                SELECT reference AS milestone, debit_account AS wallet, amount AS paid, 0::bigint AS back FROM transfers
                WHERE kind = 'escrow_fund'
                UNION ALL
                SELECT t.reference, e.account_id, 0, e.amount FROM transfers t JOIN ledger_entries e ON e.transfer_id = t.id AND e.amount > 0
                WHERE t.kind = 'escrow_return')
            SELECT count(*) FROM (
                SELECT moved.milestone, moved.wallet FROM moved JOIN milestones m ON m.id = moved.milestone
                GROUP BY 1, 2, m.status HAVING (m.status = 'cancelled' AND sum(paid) <> sum(back)) OR (m.status <> 'cancelled' AND sum(back) <> 0)
            ) AS wrong
            """, 0)
        try count(
            "a completed milestone was released once, no other at all",
            """
            WITH released AS (SELECT reference AS id, count(*) AS n FROM transfers WHERE kind = 'milestone_release' GROUP BY 1)
            SELECT count(*) FROM milestones m LEFT JOIN released r ON r.id = m.id
            WHERE coalesce(r.n, 0) <> CASE WHEN m.status = 'completed' THEN 1 ELSE 0 END
            """, 0)
        try count(
            "every debt's outstanding principal is its original principal less the principal parts repaid",
            """
            SELECT count(*) FROM debts d
            WHERE d.principal <> d.original_principal - (SELECT coalesce(sum(principal), 0) FROM debt_repayments r WHERE r.debt_id = d.id)
            """, 0)
        try count("money is neither made nor lost (all balances sum to zero)", "SELECT sum(balance)::bigint FROM accounts", 0)
        checks += try AccountInvariants.check(in: db)
        try count("every event published (outbox drained)", "SELECT count(*) FROM outbox", 0)
        try count(
            "audit rows, one per event (risk events apart)", "SELECT count(*) FROM audit_log WHERE event_type NOT LIKE 'risk.%'",
            expected.auditRows)
        try count("no event audited twice", "SELECT count(*) - count(DISTINCT event_id) FROM audit_log", 0)
        try count(
            "notification rows (one per user per event; alerts and risk apart)",
            "SELECT count(*) FROM notifications WHERE kind = 'event' AND event_type NOT LIKE 'risk.%'", expected.notificationRows)
        try count("tax rows", "SELECT count(*) FROM tax_entries", expected.taxRows)

        checks += try RiskInvariants.check(expected, in: db)
        checks += try Invariants.verifications(db, settings: settings, topology: topology)
        return checks
    }
}
