import AMQPClient
import Foundation
import Submission
import TestSupport
import Topology
import XCTest

/// `flexfin dlq`: list and filter, show, replay (dry run first), purge, all
/// audited, against dead letters the payments worker really produced.
final class DeadLetterCommandTests: PipelineTestCase {
    func testListShowReplayAndPurgeAreExactAndAudited() throws {
        // A bad deploy refuses some transfers; one attempt, then the DLQ.
        try refuseTransfers(raising: "simulated bad deploy")
        _ = try start("payments-worker", environment: try paymentAttempts(1))
        try submit([boomPayment("boom-1"), boomPayment("boom-2"), payment("fine-1", "w0003", "w0004", 5), boomPayment("boom-3")])
        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        try channel.publish(
            exchange: topology.commandExchange, routingKey: "payment",
            message: AMQPMessage(body: Array("{oops".utf8), properties: AMQPProperties(messageId: "bad-x", type: "payment")))
        try channel.waitForConfirms()
        try workbench.wait(upTo: .seconds(20), for: "four dead letters") { _ in try readyMessages("commands.payment.dlq") == 4 }

        let listed = try runFlexfin(["dlq", "list", "commands.payment", "--json"])
        XCTAssertEqual(listed.status, 0, listed.errors)
        let all = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
        XCTAssertEqual(Set(all.compactMap { $0["id"] as? String }), ["boom-1", "boom-2", "boom-3", "bad-x"])
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 4, "listing takes nothing away")
        let unexpected = try runFlexfin(["dlq", "list", "commands.payment", "--error-class", "unexpected"])
        XCTAssertTrue(unexpected.output.contains("3 dead letter(s)"), unexpected.output)
        XCTAssertTrue(try runFlexfin(["dlq", "list", "commands.payment.dlq", "--grep", "not valid JSON"]).output.contains("bad-x"))

        let shown = try runFlexfin(["dlq", "show", "boom-2"])
        XCTAssertEqual(shown.status, 0, shown.errors)
        XCTAssertTrue(shown.output.contains("queue: commands.payment.dlq"), shown.output)
        XCTAssertTrue(shown.output.contains("x-error: PostgreSQL") && shown.output.contains("simulated bad deploy"), shown.output)
        XCTAssertTrue(shown.output.contains(#""command_id":"boom-2""#), shown.output)

        let dry = try runFlexfin(["dlq", "replay", "commands.payment", "--error-class", "unexpected", "--dry-run"])
        XCTAssertTrue(
            dry.output.contains(
                "dry run: 3 would be replayed (0 would apply, 0 would be rejected, 0 already processed, 0 conflict, 0 invalid, 3 would fail)"
            ), dry.output)
        XCTAssertTrue(dry.output.contains("=> would fail: PostgreSQL") && dry.output.contains("simulated bad deploy"), dry.output)
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 4)

        // The cause goes away: now the dry run says they would apply (and
        // the bad JSON would be dead-lettered again), still moving nothing.
        try stopRefusingTransfers()
        let again = try runFlexfin(["dlq", "replay", "commands.payment", "--all", "--dry-run"])
        XCTAssertTrue(
            again.output.contains(
                "dry run: 4 would be replayed (3 would apply, 0 would be rejected, 0 already processed, 0 conflict, 1 invalid, 0 would fail)"
            ), again.output)
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id LIKE 'boom-%'"), 0, "a dry run keeps nothing")
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 4)

        // The replay applies every refused payment once.
        let replayed = try runFlexfin(["dlq", "replay", "commands.payment", "--error-class", "unexpected", "--actor", "ops-test"])
        XCTAssertEqual(replayed.status, 0, replayed.errors)
        XCTAssertTrue(replayed.output.contains("replayed 3"), replayed.output)
        try workbench.wait(upTo: .seconds(20), for: "the replayed payments") { db in
            try db.query("SELECT count(*) FROM transfers WHERE command_id LIKE 'boom-%'").int(0, 0) == 3
        }

        let refused = try runFlexfin(["dlq", "purge", "commands.payment", "--id", "bad-x"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.errors.contains("--yes"), refused.errors)
        XCTAssertTrue(
            try runFlexfin(["dlq", "purge", "commands.payment", "--id", "bad-x", "--yes", "--actor", "ops-test"])
                .output.contains("purged 1"))
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0)

        let actions = try settings.connectDatabase().query(
            "SELECT event_type, body::jsonb->'data'->>'count' FROM audit_log WHERE body::jsonb->'data'->>'actor' = 'ops-test' ORDER BY seq")
        XCTAssertEqual(
            (0..<actions.count).map { "\(actions.string($0, 0)!)=\(actions.string($0, 1)!)" },
            ["operator.dlq.replay=3", "operator.dlq.replay.completed=3", "operator.dlq.purge=1"])
        XCTAssertEqual(try runFlexfin(["audit", "verify"]).status, 0)

        let unknown = try runFlexfin(["dlq", "list", "no.such.queue"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.errors.contains("commands.payment"), "names the queues there are: \(unknown.errors)")
    }
}
