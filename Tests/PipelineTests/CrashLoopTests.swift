import AMQPClient
import Foundation
import TestSupport
import XCTest

/// A message that kills its consumer every time (to the broker: a
/// connection that closes with the delivery unacknowledged) must not loop
/// forever: after the queue's `x-delivery-limit` the broker dead-letters it,
/// and the rest of the queue is processed.
final class CrashLoopTests: PipelineTestCase {
    func testAPoisonMessageEndsInTheDeadLetterQueueAfterTheDeliveryLimit() throws {
        let limit = try XCTUnwrap(topology.queues.first { $0.name == "commands.payment" }).deliveryLimit
        let poison = payment("poison-1", "w0001", "w0002", 5)
        try submit([poison, payment("after-1", "w0003", "w0004", 5), payment("after-2", "w0005", "w0006", 5)])

        // Consumers that die on the poison message: take it, close without ack.
        var crashes = 0
        while try readyMessages("commands.payment.dlq") == 0 && crashes <= limit + 2 {
            let consumer = try settings.connectBroker()
            let channel = try consumer.openChannel()
            try channel.setPrefetch(1)  // it holds only the poison (returned messages come first)
            try channel.consume("commands.payment")
            while let delivery = try consumer.nextDelivery(timeout: .seconds(1)) {
                if delivery.message.properties.messageId == "poison-1" { crashes += 1; break }
            }
            consumer.close()  // the "crash": everything unacked goes back
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertGreaterThan(crashes, limit, "the broker delivered it more than the limit before giving up")
        XCTAssertLessThanOrEqual(crashes, limit + 2)

        _ = try start("payments-worker")
        try workbench.wait(upTo: .seconds(20), for: "the rest of the queue") { db in
            try db.query("SELECT count(*) FROM transfers WHERE command_id LIKE 'after-%'").int(0, 0) == 2
        }
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'poison-1'"), 0)
        let listed = try runFlexfin(["dlq", "list", "commands.payment"])
        XCTAssertTrue(listed.output.contains("poison-1") && listed.output.contains("broker:delivery_limit"), listed.output)
    }
}
