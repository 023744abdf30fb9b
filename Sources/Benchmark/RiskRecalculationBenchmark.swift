import Domain
import Foundation
import Ledger
import PipelineHarness
import PostgresClient
import Risk
import SeededWorld
import Settings
import Topology

/// One recalculation's cost as the ledger grows: a ledger of `rows` entries
/// over 120 days among 1000 users, then single-user recalculations timed
/// through the worker's own code, with the (account, id) index and without.
public struct RiskRecalculationBenchmark {
    public struct Result: Codable, Sendable {
        public let ledgerRows: Int
        public let entriesPerUserIn90Days: Int
        public let recalculations: Int
        public let medianMilliseconds: Double
        public let medianMillisecondsWithoutIndex: Double

        enum CodingKeys: String, CodingKey {
            case ledgerRows = "ledger_rows"
            case entriesPerUserIn90Days = "entries_per_user_in_90_days"
            case recalculations
            case medianMilliseconds = "median_ms"
            case medianMillisecondsWithoutIndex = "median_ms_without_index"
        }
    }

    let rows: Int
    let settings: ServiceSettings
    let topology: TopologySpec

    public init(rows: Int, settings: ServiceSettings, topology: TopologySpec) {
        (self.rows, self.settings, self.topology) = (rows, settings, topology)
    }

    public func run(progress: (String) -> Void) throws -> Result {
        let environment = try DisposableEnvironment("bench", redisDatabase: 15, from: settings)
        let workbench = Workbench(environment: environment, topology: topology, workers: URL(fileURLWithPath: "/"))
        progress("recreating \(environment.databaseName); writing a ledger of \(rows) entries over 120 days among 1000 wallets")
        try workbench.reset(wallets: 1000, balance: 1_000_000_000) { database in
            // Balanced transfers between distinct wallets (g*7+1 and g differ
            // mod 1000: one is odd where the other is even), balances moved to match.
            try database.execute(
                script: """
                    INSERT INTO transfers (command_id, kind, debit_account, credit_account, amount, currency, created_at)
                    SELECT 'bulk-' || g, 'payment', 'w' || lpad((g % 1000 + 1)::text, 4, '0'), 'w' || lpad(((g * 7 + 1) % 1000 + 1)::text, 4, '0'),
                           1 + g % 5000, 'USD', now() - (g % 120) * interval '1 day' - (g % 86400) * interval '1 second'
                    FROM generate_series(1, \(rows / 2)) AS g;
                    INSERT INTO ledger_entries (transfer_id, account_id, amount, currency, created_at)
                    SELECT id, debit_account, -amount, currency, created_at FROM transfers WHERE kind = 'payment'
                    UNION ALL SELECT id, credit_account, amount, currency, created_at FROM transfers WHERE kind = 'payment';
                    UPDATE accounts a SET balance = a.balance + m.moved, version = a.version + 1
                    FROM (SELECT e.account_id, sum(e.amount) AS moved FROM ledger_entries e JOIN transfers t ON t.id = e.transfer_id
                          WHERE t.kind = 'payment' GROUP BY e.account_id) m
                    WHERE a.id = m.account_id;
                    """)
        }
        let database = try environment.settings.connectDatabase()
        let perUser =
            try database.query(
                """
                SELECT count(*) / 1000 FROM ledger_entries WHERE created_at > now() - interval '90 days'
                """
            ).int(0, 0) ?? 0
        progress("timing recalculations with the (account, id) index")
        let indexed = try time(database, users: 1...25)
        progress("timing recalculations without it")
        try database.query("DROP INDEX ledger_entries_account_id")
        let scanned = try time(database, users: 26...30)
        try database.query("CREATE INDEX ledger_entries_account_id ON ledger_entries (account_id, id)")
        return Result(
            ledgerRows: try database.query("SELECT count(*) FROM ledger_entries").int(0, 0) ?? 0, entriesPerUserIn90Days: perUser,
            recalculations: indexed.count, medianMilliseconds: Self.median(indexed), medianMillisecondsWithoutIndex: Self.median(scanned))
    }

    /// Each user recalculated alone, the way the worker does it (`RiskHandler.apply` in one transaction).
    private func time(_ database: PostgresConnection, users: ClosedRange<Int>) throws -> [Double] {
        try users.map { index in
            let request = RiskRequest.command(
                RiskRecalculation(commandId: "bench-\(index)", userId: Seeding.user(index, of: 1000), reason: "bench"))
            let started = ContinuousClock.now
            _ = try database.transaction { try RiskHandler().apply([request], in: $0) }
            return Double((ContinuousClock.now - started) / .microseconds(1)) / 1000
        }
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
