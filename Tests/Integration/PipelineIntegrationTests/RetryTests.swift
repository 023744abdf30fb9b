import AMQPClient
import Foundation
import Submission
import Topology
import XCTest

/// A message that fails alone (here: a database trigger refuses its
/// transfer, as a bad deploy would) goes through the delay tiers, counting
/// attempts, and reaches the dead-letter queue after the queue's
/// `maxAttempts`; its neighbours are applied meanwhile.
final class RetryTests: PipelineTestCase {
    func testAFailingPaymentIsRetriedThroughTheTiersThenDeadLettered() throws {
        try refuseTransfers(raising: "simulated bad deploy refuses transfer")
        // Three attempts: the first two failures go through the 1 s and the
        // 10 s tier, the third to the dead-letter queue.
        _ = try start("payments-worker", environment: try paymentAttempts(3))
        let boom = boomPayment("boom-1")
        let started = Date()
        try submit([payment("ok-1", "w0003", "w0004", 5), boom, payment("ok-2", "w0005", "w0006", 5)])
        try workbench.wait(upTo: .seconds(10), for: "the neighbours") { db in
            try db.query("SELECT count(*) FROM transfers WHERE command_id LIKE 'ok-%'").int(0, 0) == 2
        }
        try workbench.wait(upTo: .seconds(40), for: "the dead letter") { _ in try readyMessages("commands.payment.dlq") == 1 }
        // Jittered delays: at least half of each tier's TTL, at most all of it.
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 5.5, "it waited in the 1 s and the 10 s tier")

        let channel = try settings.connectBroker().openChannel()
        let deadLetter = try XCTUnwrap(channel.get("commands.payment.dlq", autoAck: true)).message
        let headers = deadLetter.properties.headers
        XCTAssertEqual(deadLetter.properties.messageId, "boom-1")
        XCTAssertEqual(deadLetter.body, boom.body, "the body is kept for replay")
        XCTAssertEqual(headers["x-attempts"], .int(3))
        XCTAssertEqual(headers["x-error-class"], "unexpected")
        XCTAssertTrue(headers["x-error"]?.stringValue?.contains("simulated bad deploy refuses transfer boom-1") ?? false, "\(headers)")
        XCTAssertEqual(headers["x-origin-queue"], "commands.payment")
        let first = try XCTUnwrap(headers["x-first-failed-at"]?.stringValue)
        let last = try XCTUnwrap(headers["x-last-failed-at"]?.stringValue)
        XCTAssertLessThan(first, last, "first and last failure are seconds apart")
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'boom-1'"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM inbox WHERE message_id = 'boom-1'"), 0, "never half-applied")
    }

    /// A wallet held by a stuck session (here: the test's open transaction)
    /// times out the lock wait: the batch is split around that payment, its
    /// neighbours are applied at once, and it goes through the tiers as
    /// `transient` until the lock is gone, then applies once.
    func testAPaymentOnALockedWalletIsRetriedAsTransientWhileItsNeighboursApply() throws {
        let holder = try settings.connectDatabase()
        try holder.query("BEGIN")
        try holder.query("SELECT 1 FROM accounts WHERE id = 'w0001' FOR UPDATE")
        let payments = try start("payments-worker", batchSize: 20, arguments: ["--lock-timeout-milliseconds", "200"])
        try submit(
            [payment("locked-1", "w0001", "w0002", 5)] + (3...8).map { payment("free-\($0)", String(format: "w%04d", $0), "w0099", 5) })
        try workbench.wait(upTo: .seconds(20), for: "the neighbours, while the wallet is still locked") { db in
            try db.query("SELECT count(*) FROM transfers WHERE command_id LIKE 'free-%'").int(0, 0) == 6
        }
        try workbench.wait(upTo: .seconds(20), for: "the locked payment in a retry tier") { _ in
            payments.logText.contains("retrying through flexfin.retry")
        }
        XCTAssertTrue(payments.logText.contains("error_class=transient") && payments.logText.contains("55P03"), payments.logText)
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'locked-1'"), 0)

        try holder.query("ROLLBACK")
        try workbench.wait(upTo: .seconds(30), for: "the locked payment applied once the lock is gone") { db in
            try db.query("SELECT count(*) FROM transfers WHERE command_id = 'locked-1'").int(0, 0) == 1
        }
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0)
    }
}
