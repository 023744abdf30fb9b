import AMQPClient
import Domain
import Foundation
import RedisClient
import TestSupport
import WorkerRuntime
import XCTest

/// A producer follows its command through its whole life with `flexfin
/// status`, and an id reused for other content is a conflict, never a
/// silently dropped command.
final class CommandLifecycleTests: PipelineTestCase {
    private func status(_ id: String) throws -> (exit: Int32, fields: JSONObject) {
        let run = try runFlexfin(["status", id, "--json"])
        guard case .object(let fields)? = try? JSONValue.parse(Array(run.output.utf8)) else {
            XCTFail("not JSON: \(run.output) \(run.errors)")
            return (run.status, [:])
        }
        return (run.status, fields)
    }

    /// Polls `flexfin status` until `condition` holds.
    private func waitForStatus(
        _ id: String, upTo seconds: Double = 30, _ what: String,
        until condition: (JSONObject) -> Bool
    ) throws -> JSONObject {
        let deadline = Date().addingTimeInterval(seconds)
        var last: JSONObject = [:]
        while Date() < deadline {
            last = try status(id).fields
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("\(id): never \(what); last \(JSONValue.object(last).serialized)")
        return last
    }

    private func publishRaw(_ id: String, _ body: String, on channel: AMQPChannel) throws {
        try channel.publish(
            exchange: topology.commandExchange, routingKey: "payment",
            message: AMQPMessage(body: Array(body.utf8), properties: AMQPProperties(messageId: id)))
    }

    func testAReusedIdWithOtherContentIsAConflictKeptWholeAndACopyIsADuplicate() throws {
        let original = #"{"command_id":"reused","type":"payment","payer":"w0001","payee":"w0002","amount":100,"currency":"USD"}"#
        // The same command written another way: a copy, not a conflict.
        let copy =
            #"{ "currency":"USD", "amount":100, "kind":"transfer", "payee":"w0002", "payer":"w0001", "type":"payment", "command_id":"reused" }"#
        let other = #"{"command_id":"reused","type":"payment","payer":"w0001","payee":"w0002","amount":999,"currency":"USD"}"#
        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        for body in [original, copy, other] { try publishRaw("reused", body, on: channel) }  // one batch
        try channel.waitForConfirms()
        let worker = try start("payments-worker")
        try workbench.wait(upTo: .seconds(30), for: "the conflict") { db in
            try db.query("SELECT count(*) FROM command_conflicts").int(0, 0) == 1
        }
        // Later, in a batch of its own, a third content under the same id.
        let later = other.replacingOccurrences(of: "999", with: "555")
        try publishRaw("reused", later, on: channel)
        try channel.waitForConfirms()
        try workbench.wait(upTo: .seconds(30), for: "the second conflict") { db in
            try db.query("SELECT count(*) FROM command_conflicts").int(0, 0) == 2
        }

        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'reused'"), 1)
        XCTAssertEqual(try count("SELECT amount FROM transfers WHERE command_id = 'reused'"), 100, "the first command applied, once")
        XCTAssertEqual(try count("SELECT balance FROM accounts WHERE id = 'w0001'"), 1_000_000 - 100)
        let kept = try settings.connectDatabase().query("SELECT convert_from(body, 'UTF8') FROM command_conflicts ORDER BY refused_at")
        XCTAssertEqual((0..<kept.count).map { kept.string($0, 0) }, [other, later], "kept byte for byte")
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0)
        XCTAssertTrue(worker.logText.contains("conflict: a command reused an id"), worker.log.path)

        let found = try status("reused")
        XCTAssertEqual(found.exit, 0)
        XCTAssertEqual(found.fields["status"], .string("conflict"))
        guard case .string(let reason)? = found.fields["reason"] else { return XCTFail("no reason") }
        XCTAssertTrue(reason.contains("2 command(s) with other content") && reason.contains("first command: applied"), reason)
    }

    func testAFileWithTwoDifferentCommandsUnderOneIdIsRefusedBeforeAnythingIsPublished() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let line = { (id: String, amount: Int) in
            #"{"command_id":"\#(id)","type":"payment","payer":"w0001","payee":"w0002","amount":\#(amount),"currency":"USD"}"#
        }
        try [line("f-1", 5), line("f-2", 5), line("f-1", 5), line("f-1", 7)].joined(separator: "\n").write(
            to: file, atomically: true, encoding: .utf8)
        let refused = try runFlexfin(["submit", "--file", file.path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(
            refused.errors.contains(#"line 4: field 'command_id': "f-1" is also the id of line 1, a different command"#), refused.errors)
        XCTAssertFalse(refused.errors.contains("line 3"), "an exact copy is not a conflict: \(refused.errors)")
        XCTAssertEqual(try readyMessages("commands.payment"), 0, "nothing published")
    }

    func testStatusFollowsACommandFromAcceptedThroughRetryingAndTheDeadLetterQueueToApplied() throws {
        XCTAssertEqual(try status("never-submitted").exit, 3)
        XCTAssertEqual(try status("never-submitted").fields["status"], .string("unknown"))

        try refuseTransfers(raising: "simulated bad deploy")
        try submit([boomPayment("life")])
        let accepted = try status("life")
        XCTAssertEqual(accepted.exit, 0)
        XCTAssertEqual(accepted.fields["status"], .string("accepted"))

        // Three attempts: the second failure waits 5-10 s in the 10 s tier.
        _ = try start("payments-worker", environment: try paymentAttempts(3))
        let retrying = try waitForStatus("life", "retrying after its second attempt") {
            $0["status"] == .string("retrying") && $0["attempts"] == .integer(2)
        }
        XCTAssertEqual(retrying["error_class"], .string("unexpected"))
        XCTAssertEqual(retrying["queue"], .string("flexfin.retry.10s"))
        XCTAssertNotNil(retrying["next_attempt_at"])
        guard case .string(let error)? = retrying["error"] else { return XCTFail("no error") }
        XCTAssertTrue(error.contains("simulated bad deploy"), error)

        // The durable answer: Redis loses the key, PostgreSQL still knows.
        let dead = try waitForStatus("life", "dead-lettered") { $0["status"] == .string("dead-lettered") }
        XCTAssertEqual(dead["queue"], .string("commands.payment.dlq"))
        XCTAssertEqual(dead["attempts"], .integer(3))
        try settings.connectCache().command(["DEL", CommandStatus.key("life")])
        let durable = try status("life").fields
        XCTAssertEqual(durable["status"], .string("dead-lettered"))
        XCTAssertEqual(durable["source"], .string("database"))

        // Replayed once the cause is gone, it applies: the record of its
        // failure did not make the inbox take it for a duplicate.
        try stopRefusingTransfers()
        XCTAssertEqual(try runFlexfin(["dlq", "replay", "commands.payment", "--id", "life"]).status, 0)
        _ = try waitForStatus("life", "applied") { $0["status"] == .string("applied") }
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'life'"), 1)
    }

    func testACommandDeadLetteredAsInvalidHasItsStatusWithTheField() throws {
        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        try publishRaw(
            "life-invalid", #"{"command_id":"life-invalid","type":"payment","payer":"w0001","payee":"w0002","amount":-5,"currency":"USD"}"#,
            on: channel)
        try channel.waitForConfirms()
        _ = try start("payments-worker")
        let dead = try waitForStatus("life-invalid", "dead-lettered") { $0["status"] == .string("dead-lettered") }
        XCTAssertEqual(dead["error_class"], .string("invalid"))
        XCTAssertEqual(dead["attempts"], .integer(1))
        guard case .string(let error)? = dead["error"] else { return XCTFail("no error") }
        XCTAssertTrue(error.contains("field 'amount'"), error)
        let text = try runFlexfin(["status", "life-invalid"])
        XCTAssertTrue(
            text.output.contains("life-invalid: dead-lettered to commands.payment.dlq after 1 attempt(s) (invalid: field 'amount'"),
            text.output)
    }
}
