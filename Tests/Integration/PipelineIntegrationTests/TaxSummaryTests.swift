import Domain
import Foundation
import Submission
import TestSupport
import XCTest

/// The quarter's set-aside with the real workers: income by its rule, a
/// transfer between one user's wallets recorded but not taxed.
final class TaxSummaryTests: PipelineTestCase {
    func testTheSummaryTaxesIncomeAndLeavesOwnTransfersOut() throws {
        try workbench.reset(wallets: 2, balance: 2_000_000)
        try settings.connectDatabase().query(
            "INSERT INTO accounts (id, kind, user_id, currency) VALUES ('w0001-savings', 'wallet', 'u0001', 'USD')")
        _ = try [start("payments-worker"), start("tax-worker")]
        try submit([
            SubmittedCommand(
                PaymentCommand(
                    commandId: "inv", payer: "w0002", payee: "w0001", amount: Money(minorUnits: 1_000_000, currency: Currency("USD")!),
                    memo: "Invoice 42")),
            payment("save", "w0001", "w0001-savings", 5_000),
        ])
        try workbench.wait(upTo: .seconds(30), for: "three tax entries") { db in
            try db.query("SELECT count(*) FROM tax_entries").int(0, 0) == 3
        }
        let quarter = try XCTUnwrap(settings.connectDatabase().query("SELECT min(quarter) FROM tax_entries").string(0, 0))
        let run = try runFlexfin(["tax", "summary", "u0001", "--quarter", quarter, "--json"])
        XCTAssertEqual(run.status, 0, run.errors)
        guard case .object(let summary) = try JSONValue.parse(Array(run.output.utf8)), case .array(let totals)? = summary["totals"],
            case .array(let changes)? = summary["changes"]
        else { return XCTFail(run.output) }
        let byCategory = Dictionary(
            uniqueKeysWithValues: totals.compactMap { total -> (String, JSONValue)? in
                guard case .object(let t) = total, case .string(let category)? = t["category"] else { return nil }
                return (category, t["total"] ?? .null)
            })
        XCTAssertEqual(byCategory, ["invoiced_income": .integer(1_000_000), "non_taxable_transfer": .integer(5_000)])
        XCTAssertEqual(summary["taxable_income"], .integer(1_000_000), "the own transfer is not income")
        // 10,000 USD is under the 15,000 standard deduction: no income tax;
        // self-employment tax 14.13 % of it. Nothing earlier in the year.
        XCTAssertEqual(summary["set_aside"], .integer(141_300))
        XCTAssertEqual(changes.count, 2)
        XCTAssertTrue(changes.allSatisfy { if case .object(let c) = $0 { c["event_type"] == .string("payment.completed") } else { false } })
        XCTAssertEqual(try runFlexfin(["tax", "summary", "u0001", "--quarter", "2026Q5"]).status, 64, "a quarter that is not one")
    }
}
