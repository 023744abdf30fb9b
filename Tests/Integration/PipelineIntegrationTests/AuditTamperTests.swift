import Audit
import Domain
import Foundation
import PostgresClient
import TestSupport
import WorkerRuntime
import XCTest

/// The audit log is tamper-evident: `flexfin audit verify` names the first
/// row that was edited, removed or reordered, and passes when untouched.
final class AuditTamperTests: PipelineTestCase {
    /// Appends `count` events through the audit worker's own handler.
    private func appendEvents(_ count: Int, keys: AuditKeyRing = .local, from first: Int = 1) throws {
        let handler = AuditHandler(keys: keys)
        let records = try (first..<(first + count)).map { index in
            let payment = PaymentCommand(
                commandId: "c\(index)", payer: "w0001", payee: "w0002",
                amount: Money(minorUnits: Int64(index), currency: Currency("USD")!))
            let event = PaymentOutcome.completed(payment).event(at: Date(), users: ["w0001": "u0001"])
            return try handler.decode(InboundMessage(body: event.encoded()))
        }
        let database = try settings.connectDatabase()
        // Two batches: the chain continues across them.
        _ = try database.transaction { try handler.apply(Array(records.prefix(count / 2)), in: $0) }
        _ = try database.transaction { try handler.apply(Array(records.dropFirst(count / 2)), in: $0) }
    }

    /// Tampering as the table's owner, who can switch the guard off.
    private func tamper(_ sql: String) throws {
        try settings.connectDatabase().transaction { db in
            try db.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            try db.execute(script: sql)
            try db.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        }
    }

    private func verify(environment: [String: String] = [:]) throws -> FlexfinRun {
        try runFlexfin(["audit", "verify"], environment: environment)
    }

    /// A rotation starts a new segment; the old one verifies with its key,
    /// for as long as the key file keeps it.
    func testARotatedKeyStartsASegmentAndOldSegmentsVerifyWithTheirKey() throws {
        let first = "k1 \(String(repeating: "1f", count: 32))"
        let second = "k2 \(String(repeating: "2e", count: 32))"
        try appendEvents(6, keys: try AuditKeyRing(text: first))
        try appendEvents(6, keys: try AuditKeyRing(text: "\(first)\n\(second)"), from: 7)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-audit-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "\(first)\n\(second)\n".write(to: file, atomically: true, encoding: .utf8)
        let both = try verify(environment: ["FLEXFIN_AUDIT_KEY_FILE": file.path])
        XCTAssertEqual(both.status, 0, both.output + both.errors)
        XCTAssertTrue(both.output.contains("12 rows, chain intact"), both.output)
        XCTAssertEqual(try count("SELECT count(*) FROM audit_log WHERE key_id = 'k2' AND seq > 6"), 6)
        try "\(second)\n".write(to: file, atomically: true, encoding: .utf8)
        let withoutTheOld = try verify(environment: ["FLEXFIN_AUDIT_KEY_FILE": file.path])
        XCTAssertNotEqual(withoutTheOld.status, 0)
        XCTAssertTrue(withoutTheOld.output.contains("row seq 1: written under audit key k1"), withoutTheOld.output)
    }

    func testUntouchedItVerifies() throws {
        try appendEvents(20)
        let run = try verify()
        XCTAssertEqual(run.status, 0, run.output + run.errors)
        XCTAssertTrue(run.output.contains("20 rows, chain intact"), run.output)
    }

    func testTheLogRefusesUpdatesAndDeletes() throws {
        try appendEvents(4)
        let database = try settings.connectDatabase()
        XCTAssertThrowsError(try database.query("UPDATE audit_log SET body = '{}' WHERE seq = 2")) {
            XCTAssertTrue("\($0)".contains("append-only"), "\($0)")
        }
        XCTAssertThrowsError(try database.query("DELETE FROM audit_log WHERE seq = 2"))
    }

    func testAnEditedRowIsNamed() throws {
        try appendEvents(20)
        try tamper("UPDATE audit_log SET body = replace(body, '\"amount\":7', '\"amount\":7000') WHERE seq = 7")
        let run = try verify()
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("row seq 7"), run.output)
    }

    /// The owner edits row 7 and recomputes every hash from there on, as
    /// the unkeyed chain did it: without the audit key the chain still breaks at row 7.
    func testAnEditedRowWithTheChainRecomputedWithoutTheKeyIsNamed() throws {
        try appendEvents(20)
        try tamper("UPDATE audit_log SET body = replace(body, '\"amount\":7', '\"amount\":7000') WHERE seq = 7")
        let rows = try settings.connectDatabase().query(
            "SELECT seq, event_id, event_type, body, hash FROM audit_log WHERE seq >= 6 ORDER BY seq")
        var previous = try rows.decode(0, "hash", as: String.self)
        var updates: [String] = []
        for row in 1..<rows.count {
            let seq = try rows.decode(row, "seq", as: Int64.self)
            let hash = AuditChain.hash(
                previous: previous, seq: seq, eventId: try rows.decode(row, "event_id"), eventType: try rows.decode(row, "event_type"),
                body: try rows.decode(row, "body"))
            updates.append("UPDATE audit_log SET prev_hash = '\(previous)', hash = '\(hash)', key_id = NULL WHERE seq = \(seq);")
            previous = hash
        }
        try tamper(updates.joined(separator: "\n"))
        let run = try verify()
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("row seq 7"), run.output)
        XCTAssertTrue(run.output.contains("unkeyed row after keyed ones"), run.output)
    }

    func testARemovedRowIsNamed() throws {
        try appendEvents(20)
        try tamper("DELETE FROM audit_log WHERE seq = 12")
        let run = try verify()
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("row seq 13"), "the row after the gap: \(run.output)")
    }

    func testTwoSwappedRowsAreNamed() throws {
        try appendEvents(20)
        // Rows 5 and 6 change places (through a free seq: seq is unique).
        try tamper(
            """
            UPDATE audit_log SET seq = 1000000 WHERE seq = 5;
            UPDATE audit_log SET seq = 5 WHERE seq = 6;
            UPDATE audit_log SET seq = 6 WHERE seq = 1000000;
            """)
        let run = try verify()
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("row seq 5"), run.output)
    }
}
