import AMQPClient
import Foundation
import TestSupport
import Telemetry
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
        XCTAssertEqual(ready.json as? [String: String],
                       ["status": "ready", "broker": "ok", "database": "ok", "consuming": "ok", "cache": "ok"])
        XCTAssertEqual(try HTTPCall.send(base.appendingPathComponent("healthz")).status, 200)

        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        try channel.publish(exchange: topology.commandExchange, routingKey: "payment", message: AMQPMessage(
            body: Array(#"{"command_id":"m-bad","type":"payment","payer":"w0001"}"#.utf8), properties: AMQPProperties(messageId: "m-bad")))
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
        XCTAssertEqual(text.sum("flexfin_end_to_end_latency_seconds_count", ["worker": "payments"]), 2,
                       "the two submitted with x-occurred-at; the hand-published one has none")
        XCTAssertEqual(text.values(of: "phase", in: "flexfin_batch_phase_duration_seconds_count"),
                       ["decode", "transaction", "cache", "ack, publish"])
        XCTAssertEqual(text.sum("flexfin_consuming_lanes", ["worker": "payments"]), 1)
        XCTAssertEqual(text.sum("flexfin_cache_up", ["worker": "payments"]), 1)
        for name in text.samples.map(\.name) where name.hasPrefix("flexfin_") {
            XCTAssertTrue(["_total", "_seconds", "_bucket", "_sum", "_count", "_messages", "_events", "_lanes", "_up"]
                .contains { name.hasSuffix($0) }, "\(name) names its unit")
        }
    }

    func testAWorkerThatCannotReachTheBrokerIsUpButNotReadyAndCountsItsReconnects() throws {
        let worker = try start("payments-worker", environment: ["FLEXFIN_AMQP_URL": "amqp://flexfin:x@127.0.0.1:\(closedPort())/flexfin-test"],
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
