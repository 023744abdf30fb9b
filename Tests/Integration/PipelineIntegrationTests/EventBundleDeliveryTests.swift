import AMQPClient
import Domain
import Foundation
import XCTest

/// Events travel in bundles (one message per event type per batch); every
/// consumer takes a bundle apart and treats each event as if it had come alone.
final class EventBundleDeliveryTests: PipelineTestCase {
    /// The events of the payments worker's batches, as they sit in the event queues.
    private func bundles(in queue: String, events: Int) throws -> [AMQPMessage] {
        let channel = try settings.connectBroker().openChannel()
        var messages: [AMQPMessage] = []
        while messages.reduce(0, { $0 + Int($1.properties.headers[MessageHeader.eventCount]?.intValue ?? 1) }) < events,
            let delivery = try channel.get(queue, autoAck: true)
        {
            messages.append(delivery.message)
        }
        return messages
    }

    private func decidePayments(_ count: Int, rejecting rejected: Int = 0) throws {
        try submit((0..<count).map { payment("b-\($0)", "w0001", "w0002", $0 < rejected ? 2_000_000_000 : 100) })
        _ = try start("payments-worker", batchSize: 100)
        try waitUntilDecided(atLeast: count)
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
    }

    func testABatchPublishesOneMessagePerEventTypeEachLineAnEvent() throws {
        try decidePayments(40, rejecting: 3)
        let notified = try bundles(in: "events.notifications", events: 40)
        // Probation takes the first delivery alone; the rest is one batch.
        XCTAssertLessThanOrEqual(notified.count, 4, "40 events in at most 2 batches × 2 types, not a message each")
        var seen: [EventType: Int] = [:]
        for message in notified {
            XCTAssertEqual(message.properties.contentType, EventBundle.contentType)
            let type = try XCTUnwrap(message.properties.type.flatMap(EventType.init(rawValue:)))
            let events = try EventBundle.parts(of: message.body).map { try DomainEvent(body: Array($0)) }
            XCTAssertEqual(message.properties.headers[MessageHeader.eventCount], .int(Int64(events.count)))
            XCTAssertTrue(events.allSatisfy { $0.type == type }, "a bundle holds one type: its routing key")
            seen[type, default: 0] += events.count
        }
        XCTAssertEqual(seen, [.paymentCompleted: 37, .paymentRejected: 3])
        // Routing by type still holds: tax takes only what it subscribes to.
        let tax = try bundles(in: "events.tax", events: 37)
        XCTAssertEqual(Set(tax.compactMap(\.properties.type)), ["payment.completed"])
        XCTAssertEqual(try readyMessages("events.tax"), 0)
    }

    /// A line that is not an event goes to the DLQ alone, named by its place
    /// in the bundle, with the reason; the events beside it are applied.
    func testABadLineInABundleIsDeadLetteredAloneAndTheRestApplied() throws {
        try decidePayments(3)
        let lines = try bundles(in: "events.tax", events: 3).flatMap { EventBundle.parts(of: $0.body).map { Array($0) } }
        XCTAssertEqual(lines.count, 3)
        let bad = Array(#"{"event_id":"not-an-event"}"#.utf8)
        let body = EventBundle.body(of: [lines[0], bad, lines[1], lines[2]])
        let channel = try settings.connectBroker().openChannel()
        for queue in ["events.audit", "events.notifications", "events.tax"] { _ = try channel.purgeQueue(queue) }
        try channel.enableConfirms()
        try channel.publish(
            exchange: topology.eventExchange, routingKey: "payment.completed",
            message: AMQPMessage(
                body: body,
                properties: AMQPProperties(
                    contentType: EventBundle.contentType, messageId: "test-bundle", type: "payment.completed",
                    headers: [MessageHeader.eventCount: 4])))
        try channel.waitForConfirms()

        _ = try start("tax-worker")
        try workbench.wait(upTo: .seconds(30), for: "the three events taxed and the bad line dead-lettered") { db in
            try db.query("SELECT count(DISTINCT event_id) FROM tax_entries").int(0, 0) == 3 && readyMessages("events.tax.dlq") == 1
        }
        let deadLetter = try XCTUnwrap(channel.get("events.tax.dlq", autoAck: true)).message
        XCTAssertEqual(deadLetter.body, bad, "only the bad line, kept for replay")
        XCTAssertEqual(deadLetter.properties.messageId, "test-bundle/2")
        XCTAssertEqual(deadLetter.properties.contentType, "application/json")
        XCTAssertEqual(deadLetter.properties.headers["x-error-class"], "invalid")
        let error = deadLetter.properties.headers["x-error"]?.stringValue ?? ""
        XCTAssertTrue(error.contains("'type'"), error)
    }

    /// A bundle delivered again after its events were applied (a worker
    /// that committed and died before its ack), now beside events not seen
    /// yet: the new ones are taxed and notified, the others skipped, and
    /// the quarter totals and unread counters count every event once.
    func testABundleRedeliveredAfterItsEventsWereAppliedAddsOnlyTheNewEvents() throws {
        try decidePayments(4)
        let lines = try bundles(in: "events.notifications", events: 4).flatMap { EventBundle.parts(of: $0.body).map { Array($0) } }
        XCTAssertEqual(lines.count, 4)
        let channel = try settings.connectBroker().openChannel()
        for queue in ["events.audit", "events.notifications", "events.tax"] { _ = try channel.purgeQueue(queue) }
        try channel.enableConfirms()
        func publish(_ lines: [[UInt8]], as id: String) throws {
            try channel.publish(
                exchange: topology.eventExchange, routingKey: "payment.completed",
                message: AMQPMessage(
                    body: EventBundle.body(of: lines),
                    properties: AMQPProperties(
                        contentType: EventBundle.contentType, messageId: id, type: "payment.completed",
                        headers: [MessageHeader.eventCount: .int(Int64(lines.count))])))
            try channel.waitForConfirms()
        }
        func applied(_ events: Int) throws -> Bool {
            try count("SELECT count(DISTINCT event_id) FROM tax_entries") == events
                && count("SELECT count(DISTINCT event_id) FROM notifications WHERE kind = 'event'") == events
        }
        let workers = [try start("tax-worker"), try start("notifications-worker")]
        try publish(Array(lines.prefix(2)), as: "first-bundle")
        try workbench.wait(upTo: .seconds(30), for: "the first two events applied") { _ in try applied(2) }
        try publish(lines, as: "first-bundle-again")
        try workbench.wait(upTo: .seconds(30), for: "all four events applied") { _ in
            try applied(4) && readyMessages("events.tax") == 0 && readyMessages("events.notifications") == 0
        }
        for worker in workers { _ = try worker.stop() }

        XCTAssertEqual(try count("SELECT count(*) FROM notifications WHERE kind = 'event'"), 8, "4 events, payer and payee each")
        XCTAssertEqual(
            try count(
                """
                SELECT count(*) FROM tax_quarters q LEFT JOIN (
                    SELECT user_id, quarter, currency, category, sum(amount) AS total, count(*) AS entries FROM tax_entries GROUP BY 1, 2, 3, 4
                ) e ON (e.user_id, e.quarter, e.currency, e.category) = (q.user_id, q.quarter, q.currency, q.category)
                WHERE q.total IS DISTINCT FROM e.total OR q.entries IS DISTINCT FROM e.entries
                """), 0, "each quarter's total adds each entry once")
        XCTAssertGreaterThan(try count("SELECT count(*) FROM tax_quarters"), 0)
        XCTAssertEqual(
            try count(
                """
                SELECT count(*) FROM notification_counters c
                WHERE c.unread <> (SELECT count(*) FROM notifications n WHERE n.user_id = c.user_id AND n.read_at IS NULL)
                """), 0, "each unread counter counts each notification once")
        XCTAssertEqual(try count("SELECT count(*) FROM notification_counters WHERE unread > 0"), 2)
        let retriedOrDead = topology.retry.tiers.map(\.name) + ["events.tax.dlq", "events.notifications.dlq"]
        XCTAssertEqual(try retriedOrDead.map(readyMessages).reduce(0, +), 0, "no event failed on the rows already there")
    }
}
