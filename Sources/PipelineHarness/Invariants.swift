import Audit
import Foundation
import Ledger
import PostgresClient
import RedisClient
import Settings
import Topology
import WorkerRuntime

/// The end state of a W1 run against the generator's summary, and the
/// ledger's and audit log's own checks.
public struct Invariants {
    public struct Check: Codable, Sendable {
        public let name: String
        public let ok: Bool
        public let detail: String

        public init(name: String, ok: Bool, detail: String) {
            (self.name, self.ok, self.detail) = (name, ok, detail)
        }
    }

    public static func check(_ expected: W1Workload.Expected, settings: ServiceSettings, topology: TopologySpec) throws -> [Check] {
        let db = try settings.connectDatabase()
        var checks: [Check] = []
        func count(_ name: String, _ sql: String, _ want: Int) throws {
            let got = try db.query(sql).int(0, 0) ?? -1
            checks.append(Check(name: name, ok: got == want, detail: "\(got), expected \(want)"))
        }
        try count("one transfer per completed payment", "SELECT count(*) FROM transfers WHERE kind <> 'deposit'", expected.completed)
        try count("every unique command decided once", "SELECT count(*) FROM inbox WHERE consumer = 'payments'", expected.unique)
        try count("rejections", "SELECT count(*) FROM inbox WHERE consumer = 'payments' AND outcome = 'rejected'", expected.rejected)
        try count(
            "ledger entries",
            """
            SELECT count(*) FROM ledger_entries e JOIN transfers t ON t.id = e.transfer_id WHERE t.kind <> 'deposit'
            """, expected.expectedLedgerRows)
        try count("every event published (outbox drained)", "SELECT count(*) FROM outbox", 0)
        try count("one event per unique command", "SELECT count(DISTINCT body::jsonb->>'command_id') FROM audit_log", expected.unique)
        try count("audit rows, one per event", "SELECT count(*) FROM audit_log", expected.expectedAuditRows)
        try count(
            "notification rows (one per user per event; alerts apart)", "SELECT count(*) FROM notifications WHERE kind = 'event'",
            expected.expectedNotificationRows)
        try count("tax rows", "SELECT count(*) FROM tax_entries", expected.expectedTaxRows)

        let totals = try db.query(
            """
            SELECT sum(balance), encode(sha256(convert_to(string_agg(id || ':' || balance || E'\\n', '' ORDER BY id), 'UTF8')), 'hex')
            FROM accounts WHERE kind = 'wallet'
            """)
        let total = totals.int64(0, 0) ?? -1
        checks.append(
            Check(name: "total wallet balance", ok: total == expected.totalBalance, detail: "\(total), expected \(expected.totalBalance)"))
        let digest = totals.string(0, 1) ?? ""
        checks.append(Check(name: "every wallet's final balance (SHA-256)", ok: digest == expected.finalBalancesSha256, detail: digest))

        // The constraint refuses any commit that would take a wallet below
        // zero, so with it in force no wallet was ever negative, even for a moment.
        let negative = try db.query(
            """
            SELECT (SELECT count(*) FROM accounts WHERE kind = 'wallet' AND balance < 0),
                   (SELECT count(*) FROM pg_constraint WHERE conname = 'wallet_never_negative' AND convalidated)
            """)
        checks.append(
            Check(
                name: "no wallet ever below zero", ok: negative.int(0, 0) == 0 && negative.int(0, 1) == 1,
                detail: "\(negative.int(0, 0) ?? -1) negative now; constraint in force: \(negative.int(0, 1) == 1)"))

        checks += try verifications(db, settings: settings, topology: topology)

        let wallets = try db.query("SELECT id, balance FROM accounts WHERE kind = 'wallet' ORDER BY id")
        let cached = try settings.connectCache().pipeline(
            try (0..<wallets.count).map { .plain(["HGET", WalletCache.key(try wallets.decode($0, 0, as: String.self)), "balance"]) })
        // A wallet no payment touched is simply not cached (a miss reads
        // PostgreSQL); a cached balance that differs would be a stale one.
        let present = (0..<wallets.count).filter { cached[$0].string != nil }
        let stale = present.filter { cached[$0].string != wallets.string($0, 1) }.count
        checks.append(Check(name: "no stale cached balance", ok: stale == 0, detail: "\(stale) of \(present.count) cached differ"))
        return checks
    }

    /// What holds after any run: the ledger's and the audit log's own
    /// checks, and no dead letters.
    static func verifications(_ db: PostgresConnection, settings: ServiceSettings, topology: TopologySpec) throws -> [Check] {
        let ledger = try LedgerVerification.run(on: db)
        let audit = try AuditVerification.run(on: db)
        let channel = try settings.connectBroker().openChannel()
        let deadLetters = try topology.queues.reduce(0) { $0 + (try channel.inspectQueue($1.deadLetterQueue).messageCount) }
        return [
            Check(name: "ledger verify", ok: ledger.problems.isEmpty, detail: ledger.problems.first ?? "\(ledger.transfers) transfers"),
            Check(name: "audit verify", ok: audit.firstBreak == nil, detail: audit.firstBreak.map { "\($0)" } ?? "\(audit.rows) rows"),
            Check(name: "no dead letters", ok: deadLetters == 0, detail: "\(deadLetters)"),
        ]
    }

    /// Milliseconds from an event's effect (`occurred_at`, set in the
    /// payments transaction) to its audit row.
    public static func effectToAuditLatency(settings: ServiceSettings) throws -> (p50: Double, p99: Double) {
        let rows = try settings.connectDatabase().query(
            """
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)
            FROM (SELECT extract(epoch FROM recorded_at - (body::jsonb->>'occurred_at')::timestamptz) * 1000 AS ms FROM audit_log) l
            """)
        return (Double(rows.string(0, 0) ?? "0") ?? 0, Double(rows.string(0, 1) ?? "0") ?? 0)
    }
}
