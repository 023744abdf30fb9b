import Domain
import Foundation
import Glibc
import Ledger
import Submission
import TestSupport
import XCTest

/// The operator's whole path through a bad deploy: a thousand commands
/// exhaust their retries into the dead-letter queue, are listed and
/// filtered, the cause is removed, and the replay survives being killed
/// half-way. Every command is applied exactly once, and the operator's
/// actions are in the verified audit chain.
final class DeadLetterRoundTripTests: PipelineTestCase {
    func testAThousandDeadLettersReplayedThroughAKilledReplayAreEachAppliedOnce() throws {
        try refuseTransfers(when: "true", raising: "simulated bad deploy refuses transfer")
        // Two attempts: the first failure waits in the 1 s tier, the second dead-letters.
        let payments = try start("payments-worker", lanes: 2, batchSize: 100, environment: try paymentAttempts(2))
        let events = try startEventWorkers()
        var random = SeededRandom(seed: 1000)
        let commands = (0..<1000).map { index -> SubmittedCommand in
            let payer = Int.random(in: 1...1000, using: &random)
            let payee = payer % 1000 + 1
            return payment(
                String(format: "rt-%04d", index), String(format: "w%04d", payer), String(format: "w%04d", payee),
                Int64.random(in: 1...500, using: &random))
        }
        try submit(commands)
        try workbench.wait(upTo: .seconds(120), for: "1,000 dead letters") { _ in try readyMessages("commands.payment.dlq") == 1000 }
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id LIKE 'rt-%'"), 0)

        // Listed and filtered; nothing taken away.
        let listed = try runFlexfin(["dlq", "list", "commands.payment", "--error-class", "unexpected", "--json"])
        XCTAssertEqual(listed.status, 0, listed.errors)
        let letters = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
        XCTAssertEqual(Set(letters.compactMap { $0["id"] as? String }), Set(commands.map(\.commandId)))
        XCTAssertTrue(
            letters.allSatisfy { $0["attempts"] as? Int == 2 && ($0["error"] as? String)?.contains("simulated bad deploy") == true })
        let some = try runFlexfin(["dlq", "list", "commands.payment", "--grep", "rt-000"])
        XCTAssertTrue(some.output.hasSuffix("10 dead letter(s)\n"), some.output)
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 1000)

        // The cause goes away. The first replay is killed half-way.
        try stopRefusingTransfers()
        let killed = try replayKilledHalfWay()
        // The replay took the queue's copies into the record first; what it
        // had not marked replayed is held still.
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0)
        let left = try heldDeadLetters()
        XCTAssertGreaterThan(left, 0, "killed before the end (it had moved \(killed))")
        XCTAssertLessThan(left, 1000, "killed after moving some")
        XCTAssertLessThanOrEqual(left, 1000 - killed, "each letter it said it moved is marked replayed")

        let second = try runFlexfin(["dlq", "replay", "commands.payment", "--all", "--actor", "roundtrip-operator"])
        XCTAssertEqual(second.status, 0, second.errors)
        try workbench.wait(upTo: .seconds(60), for: "all 1,000 replayed payments decided") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = 'payments' AND message_id LIKE 'rt-%'").int(0, 0) == 1000
        }
        try workbench.wait(upTo: .seconds(60), for: "the replayed payments audited") { db in
            try db.query("SELECT count(*) FROM audit_log WHERE event_type = 'payment.completed'").int(0, 0) == 1000
        }
        XCTAssertTrue(payments.isRunning && events.allSatisfy(\.isRunning))
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id LIKE 'rt-%'"), 1000, "each applied once")
        XCTAssertEqual(try count("SELECT count(DISTINCT command_id) FROM transfers WHERE command_id LIKE 'rt-%'"), 1000)
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0)
        XCTAssertEqual(try heldDeadLetters(), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM dead_letters WHERE state = 'replayed' AND resolved_by = 'roundtrip-operator'"), 1000)
        XCTAssertTrue(try LedgerVerification.run(on: settings.connectDatabase()).problems.isEmpty)

        // Both replays are on the record; only the second finished.
        let actions = try settings.connectDatabase().query(
            """
            SELECT event_type, body::jsonb->'data'->>'count' FROM audit_log
            WHERE body::jsonb->'data'->>'actor' = 'roundtrip-operator' ORDER BY seq
            """)
        XCTAssertEqual(
            (0..<actions.count).map { "\(actions.string($0, 0)!)=\(actions.string($0, 1)!)" },
            ["operator.dlq.replay=1000", "operator.dlq.replay=\(left)", "operator.dlq.replay.completed=\(left)"])
        let verify = try runFlexfin(["audit", "verify"])
        XCTAssertEqual(verify.status, 0, verify.output + verify.errors)
    }

    private func heldDeadLetters() throws -> Int {
        try count("SELECT count(*) FROM dead_letters WHERE queue = 'commands.payment.dlq' AND state = 'held'")
    }

    /// Runs `flexfin dlq replay --all`, paced, and SIGKILLs it once it says
    /// it has moved half; returns the count it last reported.
    private func replayKilledHalfWay() throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("flexfin")
        process.arguments = ["dlq", "replay", "commands.payment", "--all", "--rate", "400", "--actor", "roundtrip-operator"]
        process.environment = ProcessInfo.processInfo.environment.merging(settings.environment) { $1 }
        let progress = Pipe()
        process.standardError = progress
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var text = ""
        var moved = 0
        while moved < 500 {
            let chunk = progress.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }  // it ended on its own
            text += String(decoding: chunk, as: UTF8.self)
            moved = text.split(separator: "\n").compactMap { $0.hasPrefix("replayed ") ? Int($0.dropFirst(9)) : nil }.last ?? 0
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "killed, not finished: \(text)")
        return moved
    }
}
