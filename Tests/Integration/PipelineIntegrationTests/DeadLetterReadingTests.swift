import AMQPClient
import Foundation
import Telemetry
import TestSupport
import XCTest

/// Reading dead letters never hands one back to its queue. A quorum queue
/// counts every return as a delivery, and RabbitMQ 4 drops a message past
/// its delivery limit (20 by default): reads that requeue would lose every
/// dead letter within minutes. Read a hundred times through the API and a
/// hundred through the CLI, with the sampler running each second, each
/// dead letter is still there, taken from its queue once and never again.
final class DeadLetterReadingTests: PipelineTestCase {
    private var api: URL!

    private func get(_ path: String, key: String) throws -> HTTPCall {
        try HTTPCall.send(URL(string: path, relativeTo: api)!, headers: ["Authorization": "Bearer \(key)"])
    }

    func testADeadLetterReadTwoHundredTimesWithTheSamplerRunningIsStillThereAndNeverRedelivered() throws {
        let server = try startAPI(arguments: ["--sample-seconds", "1"], metrics: true)
        let started = ContinuousClock.now
        api = try XCTUnwrap(server.apiURL)
        let reader = try apiKey("reader", "read")
        _ = try start("payments-worker")

        // One the worker dead-letters (not JSON: invalid, never retried),
        // and one a producer publishes straight to the dead-letter queue.
        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        try channel.publish(
            exchange: topology.commandExchange, routingKey: "payment",
            message: AMQPMessage(body: Array("{oops".utf8), properties: AMQPProperties(messageId: "bad-json", type: "payment")))
        let straight = #"{"command_id":"straight-in","type":"payment","payer":"w0001","payee":"w0002","amount":700,"currency":"USD"}"#
        try channel.publish(
            exchange: "", routingKey: "commands.payment.dlq",
            message: AMQPMessage(body: Array(straight.utf8), properties: AMQPProperties(messageId: "straight-in", type: "payment")))
        try channel.waitForConfirms()

        func listedIds() throws -> Set<String> {
            let call = try get("/v1/dead-letters/messages?queue=commands.payment", key: reader)
            XCTAssertEqual(call.status, 200, call.text)
            return Set((call.json?["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        }
        try workbench.wait(upTo: .seconds(30), for: "both dead letters listed") { _ in try listedIds() == ["bad-json", "straight-in"] }

        for _ in 0..<50 {
            XCTAssertEqual(try listedIds(), ["bad-json", "straight-in"])
            let groups = try get("/v1/dead-letters?queue=commands.payment", key: reader)
            XCTAssertEqual((groups.json?["groups"] as? [[String: Any]])?.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }, 2, groups.text)
        }
        var fromCLI: [[String: Any]] = []
        for index in 0..<100 {
            let run =
                index % 2 == 0
                ? try runFlexfin(["dlq", "list", "commands.payment", "--json"]) : try runFlexfin(["dlq", "show", "straight-in"])
            XCTAssertEqual(run.status, 0, run.errors)
            if index % 2 == 0 { fromCLI = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [[String: Any]]) }
        }
        // Ten samples at least, each a read of every dead-letter queue's money.
        while ContinuousClock.now < started + .seconds(11) { Thread.sleep(forTimeInterval: 0.1) }

        // Still there, each once, as first taken: delivered once, never returned.
        XCTAssertEqual(try listedIds(), ["bad-json", "straight-in"])
        XCTAssertEqual(Set(fromCLI.compactMap { $0["id"] as? String }), ["bad-json", "straight-in"])
        for letter in fromCLI {
            let headers = try XCTUnwrap(letter["headers"] as? [String: String])
            XCTAssertTrue(["0", nil].contains(headers["x-delivery-count"]), "\(letter["id"] ?? "-") was handed back: \(headers)")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM dead_letters WHERE queue = 'commands.payment.dlq' AND state = 'held'"), 2)
        XCTAssertEqual(
            try count("SELECT count(*) FROM dead_letters WHERE message_id = 'straight-in' AND consumer IS NULL"), 1,
            "taken in by the intake")
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0, "the queue's copies are in the record")

        // Bodies (payer, payee, memo) for an operate key only; the list by pages.
        let withheld = try get("/v1/dead-letters/messages?queue=commands.payment", key: reader).json
        XCTAssertEqual(Set((withheld?["messages"] as? [[String: Any]] ?? []).map { $0["body"] is NSNull }), [true])
        XCTAssertEqual(withheld?["bodies"] as? String, "withheld: they need the operate scope")
        let operate = try apiKey("dlq-operator", "read,operate")
        let shown = try get("/v1/dead-letters/messages?queue=commands.payment&limit=1", key: operate).json
        let first = try XCTUnwrap((shown?["messages"] as? [[String: Any]])?.first)
        XCTAssertNotNil(first["body"] as? String)
        let next = try XCTUnwrap(shown?["next"] as? String)
        let rest = try get("/v1/dead-letters/messages?queue=commands.payment&limit=1&after=\(next)", key: operate).json
        XCTAssertEqual(
            Set([first["id"] as? String, (rest?["messages"] as? [[String: Any]])?.first?["id"] as? String]), ["bad-json", "straight-in"])
        XCTAssertTrue(rest?["next"] is NSNull, "two letters, two pages")
        XCTAssertEqual(try channel.inspectQueue("commands.payment.dlq").consumerCount, 1, "the API's intake, and no reader")

        let scrape = try MetricsScrape.fetch(XCTUnwrap(server.metricsURL))
        XCTAssertEqual(scrape.sum("flexfin_dead_letters_held", ["queue": "commands.payment"]), 2)
        XCTAssertEqual(scrape.sum("flexfin_dead_letter_money_minor_units", ["queue": "commands.payment", "currency": "USD"]), 700)
    }
}
