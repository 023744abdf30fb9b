import Audit
import Domain
import Foundation
import Milestones
import Payments
import Repayments
import Risk
import Tax
import WorkerRuntime
import XCTest

/// Every handler reads a plain message of the runtime, no transport: the
/// command handlers share one shape (body, envelope, id, digest), the
/// event subscribers another.
final class HandlerDecodingTests: XCTestCase {
    private let payment = #"{"command_id":"p-1","type":"payment","payer":"w0001","payee":"w0002","amount":700,"currency":"USD"}"#

    func testACommandIsReadFromTheBodyAndKnownByItsIdAndDigest() throws {
        let handler = PaymentHandler()
        let command = try handler.decode(InboundMessage(body: Array(payment.utf8), type: "payment", id: "p-1"))
        XCTAssertEqual(handler.id(of: command), "p-1")
        XCTAssertEqual(handler.digest(of: command), command.digest)
        let reordered = #"{"amount":700,"currency":"USD","payee":"w0002","payer":"w0001","type":"payment","command_id":"p-1"}"#
        XCTAssertEqual(
            handler.digest(of: try handler.decode(InboundMessage(body: Array(reordered.utf8)))), command.digest,
            "the same command, however written")
    }

    func testAMessageIdThatIsNotTheCommandIdIsInvalidAndNamesTheField() {
        XCTAssertThrowsError(try PaymentHandler().decode(InboundMessage(body: Array(payment.utf8), id: "p-2"))) { error in
            XCTAssertEqual((error as? InvalidMessage)?.field, "command_id")
        }
    }

    func testARepaymentWithoutTheTimeItWasSentIsInvalidAndOneWithItAccruesToThen() throws {
        let body = Array(
            #"{"command_id":"r-1","type":"debt.repayment","debt_id":"d-1","wallet":"w0001","amount":500,"currency":"USD"}"#.utf8)
        XCTAssertThrowsError(try RepaymentHandler().decode(InboundMessage(body: body))) { error in
            XCTAssertTrue("\(error)".contains("timestamp"), "\(error)")
        }
        guard case .repay(let repayment) = try RepaymentHandler().decode(InboundMessage(body: body, sentAt: 1_760_000_000)) else {
            return XCTFail("a debt.repayment reads as a repayment")
        }
        XCTAssertEqual(repayment.acceptedOn, CalendarDay(Date(timeIntervalSince1970: 1_760_000_000)))
    }

    /// A debt opened without a start date starts the day the broker accepted it, however late it is applied.
    func testADebtOpeningWithoutAStartDateStartsTheDayItWasAccepted() throws {
        let body = Array(
            #"{"command_id":"o-1","type":"debt.open","debt_id":"d-1","borrower_id":"u1","account":"w1","lender":"bank","currency":"USD","principal":100000,"annual_rate_bps":1200,"monthly_payment":10000,"due_day":15,"business":false,"disburse":true}"#
                .utf8)
        guard case .open(let opening) = try RepaymentHandler().decode(InboundMessage(body: body, sentAt: 1_760_000_000)) else {
            return XCTFail("a debt.open reads as an opening")
        }
        XCTAssertEqual(opening.startsOn, CalendarDay(Date(timeIntervalSince1970: 1_760_000_000)))
        XCTAssertNil(opening.canonicalFields["start_date"], "the day accepted is not part of the content")
        XCTAssertEqual(opening.lenderAccount, "lender.bank.USD")
    }

    func testTheRiskQueueTellsCommandsFromTriggeringEventsByTheMessageType() {
        let handler = RiskHandler()
        XCTAssertTrue(handler.hasStatus(type: "risk.recalculate"))
        XCTAssertFalse(handler.hasStatus(type: "payment.completed"))
        XCTAssertTrue(PaymentHandler().hasStatus(type: nil))
        XCTAssertFalse(TaxHandler().hasStatus(type: nil))
    }
}

/// The audit key outside local mode: required, never the public local one.
final class AuditKeyConfigurationTests: XCTestCase {
    func testOutsideLocalModeTheAuditKeyFileIsRequired() throws {
        XCTAssertThrowsError(try AuditKeyRing.configured([:])) {
            XCTAssertTrue("\($0)".contains("FLEXFIN_AUDIT_KEY_FILE is not set"), "\($0)")
        }
        XCTAssertEqual(try AuditKeyRing.configured(["FLEXFIN_ENV": "local"]).signing?.id, "local")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "k9 \(String(repeating: "9a", count: 32))\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try AuditKeyRing.configured(["FLEXFIN_AUDIT_KEY_FILE": file.path]).signing?.id, "k9")
    }
}
