import Foundation
import PipelineHarness
import Telemetry
import TestSupport
import XCTest

/// Many processes of every worker on the same queues, as a deployment
/// scaled out runs them: 3 payments, 2 of each event worker, each with lanes.
final class ScaleOutTests: PipelineTestCase {
    func testManyProcessesShareTheWorkAndTheStandbyAuditWorkerTakesOverWhenTheActiveOneIsKilled() throws {
        let workload = try w1(5000)
        let half = workload.commands.count / 2
        try submit(Array(workload.commands[..<half]))
        let payments = try (0..<3).map { _ in try start("payments-worker", lanes: 2, batchSize: 50, metrics: true) }
        let others = try ["notifications-worker", "tax-worker"].flatMap { name in
            try (0..<2).map { _ in try start(name, lanes: 2, batchSize: 50) }
        }
        // The audit queue has a single active consumer: the chain is
        // appended by one process at a time; the other waits. A lane's first
        // delivery comes in probation (prefetch 1); it then consumes again
        // with its full window, and that cancel hands the active role to
        // the next consumer in line. So the second process starts once the
        // first is settled: both its lanes took their probation delivery (3
        // bundles of at most 50 events are past them). The second half of
        // the stream comes after, so events flow while both are there.
        let chained = { (rows: Int) in
            try self.workbench.wait(upTo: .seconds(120), for: "\(rows) audit rows") { db in
                try db.query("SELECT coalesce(max(seq), 0) FROM audit_log").int(0, 0)! >= rows
            }
        }
        let first = try start("audit-worker", lanes: 2, batchSize: 50, metrics: true)
        try chained(150)
        let second = try start("audit-worker", lanes: 2, batchSize: 50, metrics: true)
        try workbench.wait(upTo: .seconds(30), for: "both lanes of the second audit worker consuming") { _ in
            second.logText.components(separatedBy: "consuming events.audit").count == 3
        }
        let registered = try count("SELECT coalesce(max(seq), 0) FROM audit_log")
        try submit(Array(workload.commands[half...]))
        try chained(registered + 200)
        let audit = [first, second]
        let processed = { (worker: RunningWorker) in
            try MetricsScrape.fetch(XCTUnwrap(worker.metricsURL)).sum("flexfin_messages_processed_total")
        }
        let auditCounts = try audit.map(processed)
        XCTAssertEqual(auditCounts.filter { $0 > 0 }.count, 1, "one audit worker is active, the other stands by: \(auditCounts)")
        let active = try XCTUnwrap(auditCounts.firstIndex { $0 > 0 })
        let standby = audit[1 - active]
        audit[active].kill()

        try workbench.waitUntilComplete(workload.expected.followUps, workers: payments + others + [standby], upTo: .seconds(240))
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        try assertInvariants(workload.expected)  // the audit chain verifies: it stayed linear
        XCTAssertGreaterThan(try processed(standby), 0, "the standby audit worker took over")
        let shares = try payments.map(processed)
        XCTAssertTrue(shares.allSatisfy { $0 > 0 }, "every payments process took a share: \(shares)")
        XCTAssertEqual(
            Int(shares.reduce(0, +)), try count("SELECT count(*) FROM inbox WHERE consumer = 'payments'"),
            "together they decided each command once")
    }
}
