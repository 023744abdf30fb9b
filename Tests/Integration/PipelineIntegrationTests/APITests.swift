import APIKeys
import Foundation
import Telemetry
import TestSupport
import XCTest

/// `flexfin-api` against the real services: the door (202 only after the
/// broker's confirm, each refusal with its status), keys and scopes, the
/// rate limit, and a command's status through its whole life.
final class APITests: PipelineTestCase {
    private var api: URL!

    private func call(
        _ path: String, _ method: String = "GET", key: String? = nil, body: String? = nil,
        headers: [String: String] = [:]
    ) throws -> HTTPCall {
        var all = headers
        if let key { all["Authorization"] = "Bearer \(key)" }
        if body != nil, all["Content-Type"] == nil { all["Content-Type"] = "application/json" }
        return try HTTPCall.send(URL(string: path, relativeTo: api)!, method: method, headers: all, body: body.map { Data($0.utf8) })
    }

    private func paymentBody(_ id: String?, amount: Int = 100, memo: String? = nil) -> String {
        let idField = id.map { #""command_id":"\#($0)","# } ?? ""
        let memoField = memo.map { #","memo":"\#($0)""# } ?? ""
        return #"{\#(idField)"type":"payment","payer":"w0001","payee":"w0002","amount":\#(amount),"currency":"USD"\#(memoField)}"#
    }

    func testTheDoorAcceptsOnlyWhatItShouldAndEachRefusalSaysWhy() throws {
        api = try XCTUnwrap(startAPI(arguments: ["--max-body-bytes", "4096"]).apiURL)
        let submitter = try apiKey("producer", "submit,read")
        let reader = try apiKey("dashboard", "read")

        // 401 without a key, with a made-up one; 403 for a missing scope.
        XCTAssertEqual(try call("/v1/commands", "POST", body: paymentBody("a-1")).status, 401)
        XCTAssertEqual(
            try call(
                "/v1/commands", "POST", key: "ffk_0000000000000000_" + String(repeating: "0", count: 64),
                body: paymentBody("a-1")
            ).status, 401)
        let forbidden = try call("/v1/commands", "POST", key: reader, body: paymentBody("a-1"))
        XCTAssertEqual(forbidden.status, 403)
        XCTAssertTrue(forbidden.text.contains("'submit'"), forbidden.text)

        // 202 with its Location, only now: the broker confirmed.
        let accepted = try call("/v1/commands", "POST", key: submitter, body: paymentBody("a-1"))
        XCTAssertEqual(accepted.status, 202, accepted.text)
        XCTAssertEqual(accepted.headers["location"], "/v1/commands/a-1")
        XCTAssertEqual(try call("/v1/commands/a-1", key: reader).json?["status"] as? String, "accepted")
        // The same command again: idempotent. Another under its id: 409.
        let again = try call("/v1/commands", "POST", key: submitter, body: paymentBody("a-1"))
        XCTAssertEqual(again.status, 202)
        XCTAssertEqual(again.json?["resubmission"] as? Bool, true)
        let conflict = try call("/v1/commands", "POST", key: submitter, body: paymentBody("a-1", amount: 101))
        XCTAssertEqual(conflict.status, 409)
        XCTAssertEqual((conflict.json?["error"] as? [String: Any])?["field"] as? String, "command_id")

        // The Idempotency-Key header is the id when the body has none.
        let keyed = try call("/v1/commands", "POST", key: submitter, body: paymentBody(nil), headers: ["Idempotency-Key": "a-2"])
        XCTAssertEqual(keyed.status, 202, keyed.text)
        XCTAssertEqual(keyed.headers["location"], "/v1/commands/a-2")

        // 400 names the field; 413 above the limit; neither publishes anything.
        let invalid = try call("/v1/commands", "POST", key: submitter, body: paymentBody("a-3", amount: -5))
        XCTAssertEqual(invalid.status, 400)
        XCTAssertEqual((invalid.json?["error"] as? [String: Any])?["field"] as? String, "amount")
        let large = try call("/v1/commands", "POST", key: submitter, body: paymentBody("a-4", memo: String(repeating: "x", count: 5000)))
        XCTAssertEqual(large.status, 413)
        XCTAssertEqual(try call("/v1/commands/a-3", key: reader).status, 404)
        XCTAssertEqual(try call("/v1/commands/a-4", key: reader).status, 404)

        // JSON lines: a result per line.
        let lines = [paymentBody("a-5"), paymentBody("a-6", amount: 0), paymentBody("a-1", amount: 7)].joined(separator: "\n")
        let batch = try call("/v1/commands", "POST", key: submitter, body: lines, headers: ["Content-Type": "application/x-ndjson"])
        XCTAssertEqual(batch.status, 200, batch.text)
        let results = try XCTUnwrap(batch.json?["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["status"] as? Int }, [202, 400, 409])

        // What was accepted is applied, once each; nothing refused reached a worker.
        _ = try start("payments-worker")
        try waitUntilDecided(atLeast: 3)
        try workbench.wait(upTo: .seconds(30), for: "a-1 applied") { _ in
            try self.call("/v1/commands/a-1", key: reader).json?["status"] as? String == "applied"
        }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try count("SELECT count(*) FROM inbox WHERE consumer = 'payments'"), 3, "a-1, a-2, a-5")
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'a-1'"), 1)

        // A revoked key is refused within the verified keys' lifetime (2 s),
        // however often it is used meanwhile.
        XCTAssertEqual(try runFlexfin(["apikey", "revoke", "dashboard"]).status, 0)
        let revoked = Date()
        var status = 200
        while status == 200 && Date().timeIntervalSince(revoked) < 10 {
            status = try call("/v1/commands/a-1", key: reader).status
            if status == 200 { Thread.sleep(forTimeInterval: 0.1) }
        }
        XCTAssertEqual(status, 401)
        XCTAssertLessThanOrEqual(Date().timeIntervalSince(revoked), VerifiedKeys.maxLifetime, "within the documented bound")
        XCTAssertEqual(
            try count("SELECT count(*) FROM api_keys WHERE secret_sha256 LIKE '%' || $1 || '%'", [String(reader.suffix(64))]), 0,
            "the secret itself is not stored")
    }

    /// A made-up key is refused from the headers, before the body: a client
    /// that waits for `100 Continue` (curl does, above 1 MB) uploads nothing.
    func testAMadeUpKeyIsRefusedBeforeItsBodyIsUploaded() throws {
        api = try XCTUnwrap(startAPI().apiURL)
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-upload-\(UUID().uuidString).json")
        try Data(repeating: UInt8(ascii: " "), count: 1_048_576).write(to: body)
        defer { try? FileManager.default.removeItem(at: body) }
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = [
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}", "-X", "POST",
            "-H", "Authorization: Bearer ffk_\(String(repeating: "0", count: 16))_\(String(repeating: "0", count: 64))",
            "-H", "Content-Type: application/json", "-H", "Expect: 100-continue", "--expect100-timeout", "10",
            "--data-binary", "@\(body.path)", URL(string: "/v1/commands", relativeTo: api)!.absoluteString,
        ]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        curl.waitUntilExit()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")
        XCTAssertEqual(answer.first, "401", "\(answer)")
        XCTAssertLessThan(Int(answer.last ?? "") ?? .max, 65_536, "bytes uploaded before the refusal: \(answer)")
    }

    /// An address that keeps failing authentication gets 429 before its
    /// keys are looked at, for the rest of the minute.
    func testAnAddressThatKeepsFailingAuthenticationGets429() throws {
        api = try XCTUnwrap(startAPI(arguments: ["--failed-authentications-per-minute", "3"]).apiURL)
        let guess = "ffk_\(String(repeating: "1", count: 16))_\(String(repeating: "2", count: 64))"
        var refused = 0
        var limited: HTTPCall?
        // The count is per minute: a minute's end may reset it once.
        for _ in 1...7 where limited == nil {
            let answer = try call("/v1/queues", key: guess)
            if answer.status == 429 { limited = answer } else { refused += answer.status == 401 ? 1 : 100 }
        }
        let answer = try XCTUnwrap(limited, "no 429 after \(refused) failed authentications")
        XCTAssertLessThanOrEqual(refused, 6)
        XCTAssertNotNil(answer.headers["retry-after"])
        XCTAssertEqual((answer.json?["error"] as? [String: Any])?["code"] as? String, "too_many_failed_authentications")
    }

    /// "Who sent this" is answerable for every command submitted over HTTP:
    /// its key's id is in its inbox row and on its event in the audit log.
    func testTheSubmittingKeyIsInTheInboxAndTheAuditLog() throws {
        _ = try ["payments-worker", "audit-worker"].map { try start($0) }
        api = try XCTUnwrap(startAPI().apiURL)
        let key = try apiKey("shop-7", "submit")
        let id = String(key.split(separator: "_")[1])
        let body = #"{"command_id":"who-1","type":"payment","payer":"w0001","payee":"w0002","amount":5,"currency":"USD"}"#
        XCTAssertEqual(try call("/v1/commands", "POST", key: key, body: body).status, 202)
        try submit([payment("who-2", "w0001", "w0002", 5)])  // the CLI's door: no key
        try workbench.wait(upTo: .seconds(30), for: "both audited") { db in
            try db.query("SELECT count(*) FROM audit_log WHERE body::jsonb->>'command_id' IN ('who-1', 'who-2')").int(0, 0) == 2
        }
        XCTAssertEqual(try count("SELECT count(*) FROM inbox WHERE message_id = 'who-1' AND submitted_by = $1", [id]), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM inbox WHERE message_id = 'who-2' AND submitted_by IS NULL"), 1)
        XCTAssertEqual(
            try count(
                "SELECT count(*) FROM audit_log WHERE body::jsonb->>'command_id' = 'who-1' AND body::jsonb->>'submitted_by' = $1", [id]),
            1)
    }

    /// One connection past the cap is closed as it opens; an idle one is
    /// closed after the idle timeout. Raw sockets, from Python.
    func testTheServerCapsItsConnectionsAndClosesIdleOnes() throws {
        api = try XCTUnwrap(startAPI(arguments: ["--max-connections", "2", "--idle-timeout-seconds", "1"]).apiURL)
        let script = """
            import socket, sys, time
            port = int(sys.argv[1])
            def connect():
                s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5); return s
            def answer(s):
                s.sendall(b"GET /v1/nothing-here HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                time.sleep(0.2)
                try: return s.recv(65536)
                except ConnectionResetError: return b""
            held = [connect(), connect()]
            time.sleep(0.3)
            print("third:", answer(connect()) != b"")
            for s in held: s.close()
            time.sleep(0.3)
            idle = connect()
            print("fresh:", answer(idle).startswith(b"HTTP/1.1 "))
            time.sleep(2.5)
            try: print("idle closed:", idle.recv(65536) == b"")
            except ConnectionResetError: print("idle closed:", True)
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, String(api.port ?? 0)]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        python.waitUntilExit()
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(lines, "third: False\nfresh: True\nidle closed: True\n")
    }

    func testSIGTERMStopsTheServerAndEveryLoopOfTheAPI() throws {
        let server = try startAPI(metrics: true)
        api = try XCTUnwrap(server.apiURL)
        XCTAssertEqual(try call("/openapi.json").status, 200)
        server.process.terminate()
        let deadline = ContinuousClock.now + .seconds(15)
        while server.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(server.isRunning, "still running 15 s after SIGTERM")
        XCTAssertEqual(server.process.terminationReason, .exit)
        XCTAssertEqual(server.process.terminationStatus, 0, server.logText)
        XCTAssertTrue(server.logText.contains("dead-letter intake stopped"), server.logText)
        XCTAssertTrue(server.logText.contains("flexfin-api stopped"), server.logText)
    }

    func testAKeyOverItsRateIsToldToWait() throws {
        api = try XCTUnwrap(startAPI().apiURL)
        let limited = try apiKey("slow", "read", rate: 2)
        let statuses = try (0..<12).map { _ in try call("/v1/commands/none", key: limited) }
        XCTAssertTrue(statuses.contains { $0.status == 404 })
        let refused = try XCTUnwrap(statuses.first { $0.status == 429 }, "\(statuses.map(\.status))")
        XCTAssertEqual(refused.headers["retry-after"], "1")
    }

    func testNo202WhenTheBrokerCannotConfirm() throws {
        api = try XCTUnwrap(startAPI(environment: ["FLEXFIN_AMQP_URL": "amqp://flexfin:x@127.0.0.1:\(closedPort())/flexfin-test"]).apiURL)
        let submitter = try apiKey("producer", "submit,read")
        let refused = try call("/v1/commands", "POST", key: submitter, body: paymentBody("b-1"))
        XCTAssertEqual(refused.status, 503, refused.text)
        XCTAssertNotNil(refused.headers["retry-after"])
        XCTAssertEqual(try call("/v1/commands/b-1", key: submitter).status, 404, "not accepted, the id not taken")
    }

    /// retrying, then dead-lettered; the dead letter grouped with its
    /// money, dry-run, replayed under the key's name, applied.
    func testAStatusThroughRetryAndTheDeadLetterQueueAndBackByReplay() throws {
        try refuseTransfers(raising: "ledger refused")
        let server = try startAPI(arguments: ["--sample-seconds", "1"], metrics: true)
        api = try XCTUnwrap(server.apiURL)
        let money = {
            try MetricsScrape.fetch(XCTUnwrap(server.metricsURL)).sum(
                "flexfin_dead_letter_money_minor_units",
                ["queue": "commands.payment", "currency": "USD"])
        }
        let submitter = try apiKey("producer", "submit,read")
        let operatorKey = try apiKey("ops-anna", "read,operate")
        _ = try start("payments-worker", environment: try paymentAttempts(2))
        XCTAssertEqual(try call("/v1/commands", "POST", key: submitter, body: paymentBody("c-1", amount: 250, memo: "boom")).status, 202)

        var seen: [String] = []
        try workbench.wait(upTo: .seconds(60), for: "c-1 dead-lettered") { _ in
            let status = try self.call("/v1/commands/c-1", key: submitter).json?["status"] as? String ?? "-"
            if seen.last != status { seen.append(status) }
            return status == "dead-lettered"
        }
        XCTAssertTrue(seen.contains("retrying"), "\(seen)")

        let groups = try XCTUnwrap(
            try call("/v1/dead-letters?queue=commands.payment", key: operatorKey).json?["groups"] as? [[String: Any]])
        XCTAssertEqual(groups.count, 1)
        let group = try XCTUnwrap(groups.first)
        XCTAssertEqual(group["count"] as? Int, 1)
        XCTAssertEqual(group["money"] as? [String: Int], ["USD": 250])
        let fingerprint = try XCTUnwrap(group["fingerprint"] as? String)
        try workbench.wait(upTo: .seconds(20), for: "/metrics to show the money held") { _ in try money() == 250 }
        let selection = #"{"queue":"commands.payment","fingerprint":"\#(fingerprint)""#

        XCTAssertEqual(try call("/v1/dead-letters/replay", "POST", key: submitter, body: selection + #","confirm":true}"#).status, 403)
        XCTAssertEqual(try call("/v1/dead-letters/replay", "POST", key: operatorKey, body: selection + "}").status, 400, "unconfirmed")
        try stopRefusingTransfers()
        let dryRun = try call("/v1/dead-letters/dry-run", "POST", key: operatorKey, body: selection + "}")
        XCTAssertEqual((dryRun.json?["results"] as? [[String: Any]])?.first?["verdict"] as? String, "would apply", dryRun.text)
        let replay = try call("/v1/dead-letters/replay", "POST", key: operatorKey, body: selection + #","confirm":true}"#)
        XCTAssertEqual(replay.json?["replayed"] as? Int, 1, replay.text)
        try workbench.wait(upTo: .seconds(30), for: "c-1 applied") { _ in
            try self.call("/v1/commands/c-1", key: submitter).json?["status"] as? String == "applied"
        }
        XCTAssertEqual(
            try count("SELECT count(*) FROM audit_log WHERE body::jsonb->'data'->>'actor' = 'api-key:ops-anna'"), 2,
            "the replay and its completion, under the key's name")
        try workbench.wait(upTo: .seconds(20), for: "/metrics to show no money held") { _ in try money() == 0 }
    }
}
