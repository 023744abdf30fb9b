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
    private func appendEvents(_ count: Int) throws {
        let handler = AuditHandler()
        let records = try (1...count).map { index in
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

    private func verify() throws -> FlexfinRun { try runFlexfin(["audit", "verify"]) }

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
