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
    override func tearDownWithError() throws {
        try settings.connectDatabase().execute(script: """
            DROP TRIGGER IF EXISTS refuse_marked_transfers ON transfers;
            DROP FUNCTION IF EXISTS refuse_marked_transfers();
            """)
        try super.tearDownWithError()
    }

    func testAFailingPaymentIsRetriedThroughTheTiersThenDeadLettered() throws {
        try settings.connectDatabase().execute(script: """
            CREATE FUNCTION refuse_marked_transfers() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.memo = 'boom' THEN RAISE EXCEPTION 'simulated bad deploy refuses transfer %', NEW.command_id; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_marked_transfers BEFORE INSERT ON transfers
                FOR EACH ROW EXECUTE FUNCTION refuse_marked_transfers();
            """)
        // Three attempts: the first two failures go through the 1 s and the
        // 10 s tier, the third to the dead-letter queue.
        var spec = topology!
        spec.queues = try spec.queues.map { queue in
            var queue = queue
            if queue.name == "commands.payment" { queue.maxAttempts = 3 }
            return queue
        }
        let override = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-retry-\(UUID().uuidString).json")
        try JSONEncoder().encode(spec).write(to: override)
        defer { try? FileManager.default.removeItem(at: override) }
        _ = try start("payments-worker", environment: ["FLEXFIN_TOPOLOGY": override.path])

        let boom = SubmittedCommand(payment: .init(commandId: "boom-1", payer: "w0001", payee: "w0002",
                                                   amount: .init(minorUnits: 5, currency: .init("USD")!), memo: "boom"))
        let started = Date()
        try submit([payment("ok-1", "w0003", "w0004", 5), boom, payment("ok-2", "w0005", "w0006", 5)])
        try workbench.wait(upTo: .seconds(10), for: "the neighbours") { db in
            try db.query("SELECT count(*) FROM transfers WHERE command_id LIKE 'ok-%'").int(0, 0) == 2
        }
        try workbench.wait(upTo: .seconds(40), for: "the dead letter") { _ in try readyMessages("commands.payment.dlq") == 1 }
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 10, "it waited in the 1 s and the 10 s tier")

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
        XCTAssertLessThan(first, last, "first and last failure are ten seconds apart")
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'boom-1'"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM inbox WHERE message_id = 'boom-1'"), 0, "never half-applied")
    }
}
