import Domain
import Foundation
import Ledger
import Milestones
import Submission
import TestSupport
import XCTest

/// Milestones funded by escrow_fund payments and released by
/// milestone.complete, with the real workers and services.
final class MilestoneTests: PipelineTestCase {
    private let usd = Currency("USD")!

    private func complete(_ id: String, _ project: String, _ milestone: String, by: String) -> SubmittedCommand {
        SubmittedCommand(MilestoneCompletion(commandId: id, projectId: project, milestoneId: milestone, completedBy: by))
    }

    private func fund(_ id: String, _ milestone: String, from wallet: String, _ amount: Int64) -> SubmittedCommand {
        SubmittedCommand(
            PaymentCommand(
                commandId: id, payer: wallet, payee: SystemAccount.escrow(milestone: milestone),
                amount: Money(minorUnits: amount, currency: usd), kind: PaymentCommand.escrowFund, reference: milestone))
    }

    private func balance(_ account: String) throws -> Int {
        try count("SELECT balance::int FROM accounts WHERE id = $1", [account])
    }

    private func outcome(_ id: String) throws -> String {
        let rows = try settings.connectDatabase().query(
            "SELECT outcome || coalesce(':' || reason, '') FROM inbox WHERE message_id = $1", [id])
        return rows.string(0, 0) ?? "undecided"
    }

    func testAFundedMilestoneCompletedTwicePaysOnceAndEveryRuleRejects() throws {
        try workbench.reset(wallets: 10, balance: 100_000)
        _ = try ProjectSeeding.seed(projects: 2, wallets: 10, currency: "USD", in: settings.connectDatabase())
        // p0001: client u0001 (w0001), freelancer u0002 (w0002), no portfolio wallet; m1-m3 funded, m4 (15,000) not.
        let workers = try ["payments-worker", "milestones-worker"].map { try start($0) } + startEventWorkers()
        let feesBefore = try balance("fees.USD")

        try submit([
            fund("f1", "p0001-m4", from: "w0001", 10_000), fund("f2", "p0001-m4", from: "w0001", 6_000),
            fund("f3", "p0001-m4", from: "w0002", 1_000),
        ])
        try workbench.wait(upTo: .seconds(30), for: "the fundings decided") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = 'payments'").int(0, 0) == 3
        }
        XCTAssertEqual(try outcome("f2"), "rejected:escrow_overfunded")
        XCTAssertEqual(try outcome("f3"), "rejected:not_project_client")
        let shown = try runFlexfin(["project", "show", "p0001", "--json"]).output
        XCTAssertTrue(shown.contains(#""escrow":10000,"fundings":[{"amount":10000,"at":"#), shown)
        XCTAssertTrue(
            shown.contains(#""command_id":"f1","wallet":"w0001"}],"milestone_id":"p0001-m4""#), "only the funding that fitted: \(shown)")
        try submit([fund("f4", "p0001-m4", from: "w0001", 5_000)])

        let completions = [
            complete("c1", "p0001", "p0001-m2", by: "u0001"), complete("c2", "p0001", "p0001-m2", by: "u0001"),
            complete("c3", "p0001", "p0001-m4", by: "u0001"), complete("c4", "p0002", "p0002-m1", by: "u0003"),
            complete("c5", "p0009", "p0009-m1", by: "u0001"), complete("c6", "p0002", "p0001-m1", by: "u0002"),
        ]
        try workbench.wait(upTo: .seconds(30), for: "p0001-m4 funded") { _ in try outcome("f4") == "applied" }
        try submit(completions)
        try workbench.wait(upTo: .seconds(30), for: "the completions decided") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = 'milestones'").int(0, 0) == completions.count
        }
        XCTAssertEqual(
            try completions.map { try outcome($0.commandId) },
            [
                "applied", "rejected:already_completed", "applied", "rejected:not_project_client", "rejected:unknown_project",
                "rejected:unknown_milestone",
            ])

        // m2 (25,000) and m4 (15,000) released at the default 500 bps: fees 1,250 + 750.
        XCTAssertEqual(try balance("escrow.p0001-m2"), 0)
        XCTAssertEqual(try balance("escrow.p0001-m4"), 0)
        // u0002 is also p0002's client, whose three milestones the seed funded (75,000).
        XCTAssertEqual(try balance("w0002"), 100_000 - 75_000 + 23_750 + 14_250)
        XCTAssertEqual(try balance("fees.USD") - feesBefore, 2_000)
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE kind = 'milestone_release' AND legs = 3"), 2)
        XCTAssertEqual(try count("SELECT count(*) FROM milestones WHERE status = 'completed'"), 2)
        let ledger = try LedgerVerification.run(on: settings.connectDatabase())
        XCTAssertTrue(ledger.problems.isEmpty, "\(ledger.problems)")

        // Follow-ups, exactly once: an audit row per event, both parties told, the release taxed once.
        try workbench.wait(upTo: .seconds(30), for: "the follow-ups") { db in
            try db.query("SELECT count(*) FROM audit_log").int(0, 0) == 4 + completions.count
                && db.query("SELECT count(*) FROM notifications WHERE event_type LIKE 'milestone.%'").int(0, 0) == 2 * 5
        }
        XCTAssertEqual(try count("SELECT count(DISTINCT event_id) FROM audit_log"), 4 + completions.count)
        XCTAssertEqual(
            try count("SELECT count(*) FROM notifications WHERE event_type = 'milestone.rejected' AND user_id IN ('u0001', 'u0002')"), 4)
        let tax = try settings.connectDatabase().query(
            """
            SELECT user_id || ' ' || category || ' ' || sum(amount) FROM tax_entries GROUP BY user_id, category ORDER BY 1
            """)
        XCTAssertEqual(
            (0..<tax.count).compactMap { tax.string($0, 0) },
            ["u0001 contractor_expense 40000", "u0002 deductible_fees 2000", "u0002 self_employment_income 40000"],
            "escrow funding is not taxed; each release is, once")
        for worker in workers { _ = try worker.stop() }
        XCTAssertTrue(try runFlexfin(["audit", "verify"]).status == 0)
    }
}
