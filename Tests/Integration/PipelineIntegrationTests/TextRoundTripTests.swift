import Domain
import Foundation
import TestSupport
import XCTest

/// Hostile text in every free-text and id field, through the real door
/// (`flexfin submit --file`), the payments worker, the ledger and the audit
/// log: each value comes back byte for byte, or was refused at the door
/// naming its line. Seeded, so a failure replays.
final class TextRoundTripTests: PipelineTestCase {
    /// What breaks naive encoders: quotes, backslashes, braces, commas (array
    /// literals), newlines and tabs, the word NULL, spaces at the edges,
    /// combining marks (one character, two code points), emoji with joiners,
    /// right-to-left text, CJK, and now and then a U+0000.
    private static let alphabet: [String] = [
        "\"", "\\", "{", "}", ",", "'", "\n", "\t", "\r", " ", "NULL", "null", "$1", "%s", "a", "Z", "0",
        "e\u{301}", "😀", "👩‍👩‍👧", "🇫🇷", "\u{200F}שלום", "日本", "\u{FFFD}", "\u{1F}", "\u{7F}", "Ω", "\u{10FFFF}",
    ]

    private func randomText(maxScalars: Int, using random: inout SeededRandom) -> String {
        var scalars: [Unicode.Scalar] = []
        let target = Int.random(in: 1...maxScalars, using: &random)
        // Every tenth value is as long as the contract allows; every
        // twentieth a little longer: code points, not characters, count
        // (PostgreSQL's length() of a 64-character id of combining marks).
        let length =
            switch Int.random(in: 0..<20, using: &random) {
            case 0, 1: maxScalars
            case 2: maxScalars + 8
            default: target
            }
        while scalars.count < length {
            let piece = Self.alphabet.randomElement(using: &random)!.unicodeScalars
            guard scalars.count + piece.count <= length else {
                scalars.append("x")
                continue
            }
            scalars += piece
        }
        if Int.random(in: 0..<40, using: &random) == 0 { scalars[Int.random(in: 0..<scalars.count, using: &random)] = "\u{0}" }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return String(text)
    }

    func testRandomTextRoundTripsByteForByteOrIsRefusedAtTheDoor() throws {
        var random = SeededRandom(seed: 20_261_122)
        var ids = Set<[UInt8]>()
        var lines: [String] = []
        var sent: [(id: String, payer: String, payee: String, memo: String, reference: String)] = []
        while sent.count < 300 {
            let id = randomText(maxScalars: 64, using: &random)
            guard ids.insert(Array(id.utf8)).inserted else { continue }
            // Half between real wallets (applied), half naming wallets that do not exist (rejected).
            let real = Bool.random(using: &random)
            let payer = real ? "w000\(Int.random(in: 1...4, using: &random))" : randomText(maxScalars: 64, using: &random)
            let payee = real ? "w000\(Int.random(in: 5...9, using: &random))" : randomText(maxScalars: 64, using: &random)
            let memo = randomText(maxScalars: 500, using: &random)
            let reference = randomText(maxScalars: 128, using: &random)
            lines.append(
                JSONValue.object([
                    "command_id": .string(id), "type": .string("payment"), "payer": .string(payer), "payee": .string(payee),
                    "amount": .integer(1), "currency": .string("USD"), "memo": .string(memo), "reference": .string(reference),
                ]).serialized)
            sent.append((id, payer, payee, memo, reference))
        }
        let unstorable = { (text: String, limit: Int) in text.utf8.contains(0) || text.unicodeScalars.count > limit }
        let refusedLines = sent.indices.filter {
            let command = sent[$0]
            return [(command.id, 64), (command.payer, 64), (command.payee, 64), (command.memo, 500), (command.reference, 128)]
                .contains(where: unstorable)
        }
        XCTAssertFalse(refusedLines.isEmpty, "the seed draws some U+0000 and some values too long")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-text-\(UUID().uuidString).jsonl")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let submitted = try runFlexfin(["submit", "--file", file.path, "--skip-invalid"])
        XCTAssertEqual(submitted.status, 0, submitted.errors)
        XCTAssertTrue(
            submitted.output.contains("accepted \(sent.count - refusedLines.count), refused \(refusedLines.count)"), submitted.output)
        for index in refusedLines.prefix(20) {
            XCTAssertTrue(submitted.errors.contains("refused line \(index + 1): field '"), "line \(index + 1) named: \(submitted.errors)")
        }
        XCTAssertTrue(submitted.errors.contains("U+0000"), submitted.errors)
        XCTAssertTrue(submitted.errors.contains("characters long; at most 64 allowed"), submitted.errors)

        let accepted = sent.indices.filter { !refusedLines.contains($0) }.map { sent[$0] }
        let workers = [try start("payments-worker"), try start("audit-worker")]
        try workbench.wait(upTo: .seconds(60), for: "every accepted command decided and audited") { db in
            try db.query("SELECT (SELECT count(*) FROM inbox WHERE consumer = 'payments'), (SELECT count(*) FROM audit_log)")
                .int(0, 0) == accepted.count
                && db.query("SELECT count(*) FROM audit_log").int(0, 0) == accepted.count
        }
        XCTAssertTrue(workers.allSatisfy(\.isRunning))
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0, "nothing valid at the door fails in the worker")
        for tier in topology.retry.tiers { XCTAssertEqual(try readyMessages(tier.name), 0) }

        let database = try settings.connectDatabase()
        let inbox = try database.query("SELECT message_id FROM inbox WHERE consumer = 'payments'")
        XCTAssertEqual(Set((0..<inbox.count).map { Array(inbox.string($0, 0)!.utf8) }), Set(accepted.map { Array($0.id.utf8) }))
        let transfers = try database.query(
            "SELECT command_id, memo, reference FROM transfers WHERE kind = 'transfer' AND debit_account <> 'gateway.seed.USD'")
        var stored: [[UInt8]: (memo: [UInt8], reference: [UInt8])] = [:]
        for row in 0..<transfers.count {
            stored[Array(transfers.string(row, 0)!.utf8)] = (Array(transfers.string(row, 1)!.utf8), Array(transfers.string(row, 2)!.utf8))
        }
        let audit = try database.query("SELECT body FROM audit_log ORDER BY seq")
        var audited: [[UInt8]: JSONObject] = [:]
        for row in 0..<audit.count {
            guard case .object(let event) = try JSONValue.parse(Array(audit.string(row, 0)!.utf8)),
                case .string(let commandId)? = event["command_id"], case .object(let data)? = event["data"]
            else {
                return XCTFail("audit row \(row) is not an event")
            }
            audited[Array(commandId.utf8)] = data
        }
        var applied = 0
        for command in accepted {
            let key = Array(command.id.utf8)
            let data = try XCTUnwrap(audited[key], "audited: \(command.id.debugDescription)")
            for (field, value) in [("payer", command.payer), ("payee", command.payee), ("memo", command.memo)] {
                XCTAssertEqual(data[field], .string(value), "\(field) of \(command.id.debugDescription) in the audit log")
                if case .string(let text)? = data[field] { XCTAssertEqual(Array(text.utf8), Array(value.utf8)) }
            }
            if command.payer.hasPrefix("w000") && command.payer.count == 5 {
                let row = try XCTUnwrap(stored[key], "a transfer for \(command.id.debugDescription)")
                XCTAssertEqual(row.memo, Array(command.memo.utf8))
                XCTAssertEqual(row.reference, Array(command.reference.utf8))
                applied += 1
            }
        }
        XCTAssertGreaterThan(applied, 100)
        XCTAssertEqual(stored.count, applied)
    }
}
