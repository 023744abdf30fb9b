import AMQPClient
import Foundation
import PipelineHarness
import Telemetry
import TestSupport
import XCTest

/// Every worker's `--metrics-port`: /healthz says the process is up, /readyz
/// whether it is connected and consuming, /metrics counts what it did.
final class HealthEndpointTests: PipelineTestCase {
    func testAConsumingWorkerIsReadyAndCountsAppliedRejectedAndDeadLetteredMessages() throws {
        let worker = try start("payments-worker", metrics: true)
        let base = try XCTUnwrap(worker.metricsURL).deletingLastPathComponent()
        try workbench.wait(upTo: .seconds(20), for: "/readyz to answer 200") { _ in
            (try? HTTPCall.send(base.appendingPathComponent("readyz")).status) == 200
        }
        let ready = try HTTPCall.send(base.appendingPathComponent("readyz"))
        XCTAssertEqual(
            ready.json as? [String: String],
            ["status": "ready", "broker": "ok", "database": "ok", "consuming": "ok", "cache": "ok"])
        XCTAssertEqual(try HTTPCall.send(base.appendingPathComponent("healthz")).status, 200)

        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        try channel.publish(
            exchange: topology.commandExchange, routingKey: "payment",
            message: AMQPMessage(
                body: Array(#"{"command_id":"m-bad","type":"payment","payer":"w0001"}"#.utf8),
                properties: AMQPProperties(messageId: "m-bad")))
        try channel.waitForConfirms()
        try submit([payment("m-ok", "w0001", "w0002", 100), payment("m-rejected", "w0001", "w0002", 1_000_000_000_000)])

        let metrics = try XCTUnwrap(worker.metricsURL)
        try workbench.wait(upTo: .seconds(30), for: "the scrape to count all three") { _ in
            let text = try MetricsScrape.fetch(metrics)
            return text.sum("flexfin_messages_processed_total") == 2
                && text.sum("flexfin_messages_dead_lettered_total", ["error_class": "invalid"]) == 1
        }
        let text = try MetricsScrape.fetch(metrics)
        XCTAssertEqual(text.sum("flexfin_messages_rejected_total", ["worker": "payments"]), 1)
        XCTAssertEqual(text.sum("flexfin_batch_size_messages_sum", ["worker": "payments"]), 3, "every message in some batch")
        XCTAssertEqual(
            text.sum("flexfin_end_to_end_latency_seconds_count", ["worker": "payments"]), 2,
            "the two submitted with x-occurred-at; the hand-published one has none")
        XCTAssertEqual(
            text.values(of: "phase", in: "flexfin_batch_phase_duration_seconds_count"),
            ["decode", "transaction", "cache", "ack, publish"])
        XCTAssertEqual(text.sum("flexfin_consuming_lanes", ["worker": "payments"]), 1)
        XCTAssertEqual(text.sum("flexfin_cache_up", ["worker": "payments"]), 1)
        for name in text.samples.map(\.name) where name.hasPrefix("flexfin_") {
            XCTAssertTrue(
                ["_total", "_seconds", "_bucket", "_sum", "_count", "_messages", "_events", "_lanes", "_up"]
                    .contains { name.hasSuffix($0) }, "\(name) names its unit")
        }
    }

    /// The outbox relay may publish an event again (its confirm came late):
    /// each event worker absorbs the copy by its natural key and counts it
    /// as a duplicate, so processed still equals the events it received.
    func testAnEventPublishedTwiceIsCountedOnceAsProcessedAndOnceAsAbsorbed() throws {
        let events = try ["audit-worker", "notifications-worker", "tax-worker"].map { try start($0, metrics: true) }
        _ = try start("payments-worker")
        try submit([payment("m-twice", "w0001", "w0002", 100)])
        func counts(_ worker: RunningWorker) throws -> (processed: Double, absorbed: Double) {
            let text = try MetricsScrape.fetch(XCTUnwrap(worker.metricsURL))
            return (text.sum("flexfin_messages_processed_total"), text.sum("flexfin_duplicates_absorbed_total"))
        }
        try workbench.wait(upTo: .seconds(30), for: "each event worker to process payment.completed") { _ in
            try events.allSatisfy { try counts($0).processed == 1 }
        }

        let stored = try settings.connectDatabase().query(
            "SELECT event_id, body FROM audit_log WHERE event_type = 'payment.completed' AND body::jsonb->>'command_id' = 'm-twice'")
        let eventId = try XCTUnwrap(stored.string(0, 0))
        let body = try XCTUnwrap(stored.string(0, 1))
        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        try channel.publish(
            exchange: topology.eventExchange, routingKey: "payment.completed",
            message: AMQPMessage(
                body: Array(body.utf8), properties: AMQPProperties(messageId: eventId, type: "payment.completed")))
        try channel.waitForConfirms()

        try workbench.wait(upTo: .seconds(30), for: "each event worker to absorb the copy") { _ in
            try events.allSatisfy { try counts($0).absorbed == 1 }
        }
        for worker in events { XCTAssertEqual(try counts(worker).processed, 1, "\(worker.name) counted the copy as processed") }
        XCTAssertEqual(try count("SELECT count(*) FROM audit_log WHERE event_id = $1", [eventId]), 1)
    }

    func testAWorkerThatCannotReachTheBrokerIsUpButNotReadyAndCountsItsReconnects() throws {
        let worker = try start(
            "payments-worker", environment: ["FLEXFIN_AMQP_URL": "amqp://flexfin:x@127.0.0.1:\(closedPort())/flexfin-test"],
            metrics: true)
        let base = try XCTUnwrap(worker.metricsURL).deletingLastPathComponent()
        XCTAssertEqual(try HTTPCall.send(base.appendingPathComponent("healthz")).status, 200)
        let notReady = try HTTPCall.send(base.appendingPathComponent("readyz"))
        XCTAssertEqual(notReady.status, 503)
        XCTAssertEqual(notReady.json?["broker"] as? String, "failing")
        XCTAssertEqual(notReady.json?["consuming"] as? String, "failing")
        try workbench.wait(upTo: .seconds(20), for: "two broker reconnects counted") { _ in
            try MetricsScrape.fetch(XCTUnwrap(worker.metricsURL)).sum("flexfin_reconnects_total", ["service": "broker"]) >= 2
        }
    }
}
