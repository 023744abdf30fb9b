import Foundation
import PostgresClient
import TestSupport
import Topology
import XCTest

/// `flexfin bench w1 --json` runs the real pipeline and reports its figures
/// and invariants. Speed is not asserted here (the machine is shared); the
/// shape and the invariants are, and that the benchmark works only on
/// resources of its own.
final class BenchCommandTests: PipelineTestCase {
    func testASmallW1RunReportsItsFiguresHoldsEveryInvariantAndLeavesTheConfiguredDatabaseAlone() throws {
        // The configured database (not the tests' own) holds a ledger.
        let configured = TestServices.settings
        let seeded = try TestSupport.runFlexfin(["seed", "--wallets", "3", "--balance", "500"])
        XCTAssertEqual(seeded.status, 0, seeded.errors)
        let before = try snapshot(configured.connectDatabase())
        XCTAssertNotEqual(before.first, "accounts: 0", "the configured database has rows to lose")
        // From nothing: the benchmark creates its vhost (and database) itself.
        let management = try XCTUnwrap(configured.managementAPI)
        try management.deleteVhost("flexfin-bench")

        let run = try TestSupport.runFlexfin(["bench", "w1", "--n", "1000", "--batch-size", "100", "--json"])
        XCTAssertEqual(run.status, 0, run.errors)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], run.output)
        XCTAssertEqual(result["invariants_ok"] as? Bool, true, run.output)
        XCTAssertEqual(result["unique_commands"] as? Int, 990)
        for key in ["commands_per_second", "broker_only_per_second", "ratio", "p50_ms", "p99_ms"] {
            XCTAssertGreaterThan(result[key] as? Double ?? 0, 0, key)
        }
        let invariants = try XCTUnwrap(result["invariants"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(invariants.count, 10)
        XCTAssertEqual(
            (result["workers"] as? [[String: Any]])?.compactMap { $0["worker"] as? String }.sorted(),
            ["audit", "notifications", "payments", "tax"])
        // CPU from /proc: every server and worker did work, and the parts add up.
        let cpu = try XCTUnwrap(result["cpu"] as? [String: Any], run.output)
        let groups = try XCTUnwrap(cpu["groups"] as? [[String: Any]])
        XCTAssertEqual(
            groups.compactMap { $0["name"] as? String },
            ["postgresql", "rabbitmq", "redis", "payments-worker", "audit-worker", "notifications-worker", "tax-worker"])
        for group in groups where group["name"] as? String != "redis" {
            XCTAssertGreaterThan(group["seconds"] as? Double ?? 0, 0, "\(group)")
        }
        let total = try XCTUnwrap(cpu["total_seconds"] as? Double)
        XCTAssertEqual(groups.compactMap { $0["seconds"] as? Double }.reduce(0, +), total, accuracy: 0.001)
        XCTAssertEqual(cpu["ms_per_command"] as? Double ?? 0, total * 1000 / 990, accuracy: 0.001)
        XCTAssertGreaterThan(cpu["wal_bytes_per_command"] as? Int ?? 0, 1000, "a payment writes rows and index entries")
        let brokerOnly = try XCTUnwrap((result["broker_only_cpu"] as? [String: Any])?["groups"] as? [[String: Any]])
        XCTAssertEqual(brokerOnly.compactMap { $0["name"] as? String }, ["rabbitmq"])
        XCTAssertGreaterThan(brokerOnly.first?["seconds"] as? Double ?? 0, 0)

        XCTAssertEqual(try snapshot(configured.connectDatabase()), before, "the configured database is as it was")
        XCTAssertEqual(try management.vhostDescription("flexfin-bench")??.contains("disposable"), true)
        let bench = try configured.connectDatabase().query("SELECT count(*) FROM pg_database WHERE datname = 'flexfin_bench'")
        XCTAssertEqual(bench.int(0, 0), 1, "the run had a database of its own")
    }

    /// The second run's workers serve /metrics, scraped once a second:
    /// the counters move during the run and end equal to the database's
    /// (processed = applied + rejected for payments; events audited for the others).
    func testW1WithMetricsScrapedShowsCountersMovingAndAgreeingWithTheDatabase() throws {
        let run = try TestSupport.runFlexfin(["bench", "w1", "--n", "3000", "--compare-metrics", "--json"])
        XCTAssertEqual(run.status, 0, run.errors)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], run.output)
        let metrics = try XCTUnwrap(result["with_metrics"] as? [String: Any], run.output)
        XCTAssertEqual(metrics["invariants_ok"] as? Bool, true, run.output)
        XCTAssertGreaterThan(metrics["ratio_to_without"] as? Double ?? 0, 0)
        let agreement = (metrics["invariants"] as? [[String: Any]] ?? []).filter { ($0["name"] as? String ?? "").contains("/metrics") }
        XCTAssertEqual(
            agreement.compactMap { ($0["name"] as? String)?.components(separatedBy: ":").first }.sorted(),
            ["audit", "notifications", "payments", "tax"], run.output)
        XCTAssertTrue(agreement.allSatisfy { $0["ok"] as? Bool == true }, run.output)
    }

    /// Balance reads through the API: each round's answers all 200 and all
    /// from the source it measures (a cache read never falls through).
    func testBalanceReadsAreMeasuredFromTheCacheAndFromPostgreSQL() throws {
        let run = try TestSupport.runFlexfin(["bench", "api", "--balance-reads", "--seconds", "2", "--rounds", "1", "--json"])
        XCTAssertEqual(run.status, 0, run.errors)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], run.output)
        XCTAssertEqual(result["ok"] as? Bool, true, run.output)
        let rounds = try XCTUnwrap(result["rounds"] as? [[String: Any]])
        XCTAssertEqual(rounds.compactMap { $0["source"] as? String }, ["cache", "database"])
        for round in rounds {
            XCTAssertGreaterThan(round["requests_per_second"] as? Double ?? 0, 0, "\(round)")
            XCTAssertGreaterThan((round["statuses"] as? [String: Int])?["200"] ?? 0, 0, "\(round)")
            XCTAssertEqual(round["wrong_source"] as? Int, 0, "\(round)")
        }
    }

    func testTheRiskBenchmarkTimesRecalculationsOnALedgerOfTheRowsAskedFor() throws {
        let run = try TestSupport.runFlexfin(["bench", "risk", "--rows", "20000", "--json"])
        XCTAssertEqual(run.status, 0, run.errors)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], run.output)
        XCTAssertGreaterThanOrEqual(result["ledger_rows"] as? Int ?? 0, 20000)
        XCTAssertGreaterThan(result["entries_per_user_in_90_days"] as? Int ?? 0, 10)
        XCTAssertEqual(result["recalculations"] as? Int, 25)
        XCTAssertGreaterThan(result["median_ms"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(result["median_ms_without_index"] as? Double ?? 0, 0)
    }

    /// Every money and audit table: row counts and a digest of their content.
    private func snapshot(_ database: PostgresConnection) throws -> [String] {
        try ["accounts", "transfers", "ledger_entries", "inbox", "outbox", "audit_log", "notifications", "tax_entries"].flatMap { table in
            let rows = try database.query("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \(table) t")
            return ["\(table): \(rows.string(0, 0) ?? "-")", rows.string(0, 1) ?? "-"]
        }
    }
}
