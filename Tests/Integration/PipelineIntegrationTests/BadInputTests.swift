import AMQPClient
import Domain
import Foundation
import RedisClient
import TestSupport
import WorkerRuntime
import XCTest

/// Bad input goes to the dead-letter queue at once with a reason that names
/// the problem; the worker goes on and the rest of the batch is applied.
final class BadInputTests: PipelineTestCase {
    private let bad: [(id: String, body: String, mentions: String)] = [
        ("bad-json", "{not json", "not valid JSON"),
        // Each of these was accepted (or failed only after every retry tier) before.
        (
            "bad-nul",
            #"{"command_id":"bad-nul","type":"payment","payer":"w0001","payee":"w0002","amount":5,"currency":"USD","memo":"a\u0000b"}"#,
            "field 'memo': contains U+0000"
        ),
        (
            "bad-twice",
            #"{"command_id":"bad-twice","type":"payment","payer":"w0001","payee":"w0002","amount":1,"currency":"USD","amount":100}"#,
            "field 'amount': appears more than once"
        ),
        (
            "bad-bom",
            "\u{FEFF}" + #"{"command_id":"bad-bom","type":"payment","payer":"w0001","payee":"w0002","amount":5,"currency":"USD"}"#,
            "byte-order mark"
        ),
        (
            "bad-missing", #"{"command_id":"bad-missing","type":"payment","payee":"w0002","amount":5,"currency":"USD"}"#,
            "field 'payer': is required"
        ),
        (
            "bad-negative", #"{"command_id":"bad-negative","type":"payment","payer":"w0001","payee":"w0002","amount":-5,"currency":"USD"}"#,
            "field 'amount': must be positive"
        ),
        (
            "bad-fraction",
            #"{"command_id":"bad-fraction","type":"payment","payer":"w0001","payee":"w0002","amount":5.5,"currency":"USD"}"#,
            "whole number of minor units"
        ),
        (
            "bad-currency", #"{"command_id":"bad-currency","type":"payment","payer":"w0001","payee":"w0002","amount":5,"currency":"XYZ"}"#,
            "not an ISO 4217 currency code"
        ),
        (
            String(repeating: "x", count: 65),
            #"{"command_id":"\#(String(repeating: "x", count: 65))","type":"payment","payer":"w0001","payee":"w0002","amount":5,"currency":"USD"}"#,
            "at most 64"
        ),
    ]

    func testEachBadMessageIsDeadLetteredWithItsReasonAndTheRestIsApplied() throws {
        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        // Bypassing `flexfin submit`, which would refuse them at the door.
        for (index, message) in bad.enumerated() {
            try channel.publish(
                exchange: topology.commandExchange, routingKey: "payment",
                message: AMQPMessage(
                    body: Array(message.body.utf8), properties: AMQPProperties(messageId: message.id)))
            let good = payment("good-\(index)", "w0001", "w0002", 100)
            try channel.publish(
                exchange: topology.commandExchange, routingKey: "payment",
                message: AMQPMessage(body: good.body, properties: AMQPProperties(messageId: good.commandId)))
        }
        try channel.waitForConfirms()

        let worker = try start("payments-worker", batchSize: 100)  // one batch holds them all
        try workbench.wait(upTo: .seconds(30), for: "the good payments and the dead letters") { db in
            try db.query("SELECT count(*) FROM transfers WHERE command_id LIKE 'good-%'").int(0, 0) == bad.count
                && readyMessages("commands.payment.dlq") == bad.count
        }
        var deadLetters: [String: AMQPMessage] = [:]
        while deadLetters.count < bad.count, let delivery = try channel.get("commands.payment.dlq", autoAck: true) {
            deadLetters[delivery.message.properties.messageId ?? ""] = delivery.message
        }
        XCTAssertEqual(deadLetters.count, bad.count)
        for message in bad {
            let headers = try XCTUnwrap(deadLetters[message.id], "\(message.id) not in the DLQ").properties.headers
            XCTAssertTrue(
                headers["x-error"]?.stringValue?.contains(message.mentions) ?? false, "\(message.id): \(headers["x-error"] ?? "-")")
            XCTAssertEqual(headers["x-error-class"], "invalid")
            XCTAssertEqual(headers["x-origin-queue"], "commands.payment")
            XCTAssertEqual(headers["x-attempts"], .int(1))
            XCTAssertNotNil(headers["x-worker"])
            XCTAssertEqual(deadLetters[message.id]?.body, Array(message.body.utf8), "the body is kept for replay")
        }
        XCTAssertTrue(worker.isRunning)
        let status = try settings.connectCache().command(["GET", CommandStatus.key("bad-negative")]).string ?? ""
        XCTAssertTrue(status.contains("dead-lettered") && status.contains("must be positive"), status)
    }

    func testBusinessRejectionsAreOutcomesNotErrors() throws {
        try workbench.reset(wallets: 3, balance: 100)
        try settings.connectDatabase().query("UPDATE accounts SET status = 'closed' WHERE id = 'w0003'")
        let worker = try start("payments-worker")
        try submit([
            payment("r-funds", "w0001", "w0002", 1000), payment("r-same", "w0001", "w0001", 1),
            payment("r-unknown", "w0001", "w0404", 1), payment("r-closed", "w0001", "w0003", 1),
            payment("ok", "w0001", "w0002", 100),
        ])
        try workbench.wait(upTo: .seconds(30), for: "five decisions") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = 'payments'").int(0, 0) == 5
        }
        let reasons = try settings.connectDatabase().query(
            "SELECT message_id, coalesce(reason, outcome) FROM inbox WHERE consumer = 'payments' ORDER BY message_id")
        let decided = Dictionary(uniqueKeysWithValues: (0..<reasons.count).map { (reasons.string($0, 0)!, reasons.string($0, 1)!) })
        XCTAssertEqual(
            decided,
            [
                "ok": "applied", "r-funds": "insufficient_funds", "r-same": "same_wallet",
                "r-unknown": "unknown_wallet", "r-closed": "wallet_closed",
            ])
        // Each decision has its event (nobody consumes events.notifications here).
        try workbench.waitUntilOutboxDrained(upTo: .seconds(10))
        let channel = try settings.connectBroker().openChannel()
        var types: [String] = []
        while let bundle = try channel.get("events.notifications", autoAck: true) {
            types += try EventBundle.parts(of: bundle.message.body).map { try DomainEvent(body: Array($0)).type.rawValue }
        }
        XCTAssertEqual(types.sorted(), ["payment.completed"] + Array(repeating: "payment.rejected", count: 4), "\(types)")
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0)
        XCTAssertTrue(worker.isRunning)
        let status = try runFlexfinStatus("r-funds")
        XCTAssertTrue(status.contains("rejected") && status.contains("insufficient_funds"), status)
    }

    private func runFlexfinStatus(_ id: String) throws -> String {
        try runFlexfin(["status", id]).output
    }
}
