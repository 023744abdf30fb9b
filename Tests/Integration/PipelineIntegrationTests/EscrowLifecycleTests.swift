import Domain
import Foundation
import Ledger
import Submission
import TestSupport
import XCTest

/// A project's escrow through the milestones worker against the real
/// servers: partial fundings through the API and the CLI (and a legacy
/// `escrow_fund` payment), a release, cancellations by the client and by an
/// operator that give each funder back exactly what it paid, and every
/// refusal; then debts opened by command, disbursed or not, and repaid.
final class EscrowLifecycleTests: PipelineTestCase {
    private var api: URL!

    private func post(_ body: String, key: String) throws -> HTTPCall {
        try HTTPCall.send(
            URL(string: "/v1/commands", relativeTo: api)!, method: "POST",
            headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"], body: Data(body.utf8))
    }

    private func outcomes(_ ids: [String]) throws -> [String] {
        try ids.map { id in
            try settings.connectDatabase().query(
                "SELECT outcome || coalesce(':' || reason, '') FROM inbox WHERE message_id = $1 AND consumer <> 'audit'", [id]
            ).string(0, 0) ?? "-"
        }
    }

    private func waitDecided(_ ids: [String]) throws {
        try workbench.wait(upTo: .seconds(30), for: "\(ids) decided") { db in
            try db.query(
                "SELECT count(*) FROM inbox WHERE message_id = ANY($1::text[]) AND consumer IN ('milestones', 'repayments', 'payments')",
                [ids]
            )
            .int(0, 0) == ids.count
        }
    }

    private func fund(_ id: String, _ milestone: String, _ amount: Int64, from: String = "w0001") -> String {
        #"{"command_id":"\#(id)","type":"milestone.fund","project_id":"pf","milestone_id":"\#(milestone)","from_account":"\#(from)","amount":\#(amount)}"#
    }

    private func cancel(_ id: String, _ milestone: String, by: String = "u0001") -> String {
        #"{"command_id":"\#(id)","type":"milestone.cancel","project_id":"pf","milestone_id":"\#(milestone)","by":"\#(by)","reason":"scope cut"}"#
    }

    private func balance(_ account: String) throws -> Int { try count("SELECT balance::int FROM accounts WHERE id = $1", [account]) }

    func testFundingsAddUpAReleaseAndCancellationsReturnEachFundersMoneyAndEveryRuleRejects() throws {
        try workbench.reset(wallets: 3, balance: 100_000)
        _ = try ["payments-worker", "milestones-worker", "audit-worker", "notifications-worker"].map { try start($0) }
        api = try XCTUnwrap(startAPI().apiURL)
        let key = try apiKey("platform", "submit,read")
        let operatorKey = try apiKey("ops-anna", "submit,operate")
        XCTAssertEqual(
            try post(
                #"{"command_id":"pc","type":"project.create","project_id":"pf","client_id":"u0001","freelancer_id":"u0002","currency":"USD","fee_bps":1000,"payout_account":"w0002","milestones":[{"milestone_id":"pf-a","title":"Logo","amount":20000},{"milestone_id":"pf-b","title":"Site","amount":30000},{"milestone_id":"pf-c","title":"Copy","amount":10000}]}"#,
                key: key
            ).status, 202)
        try waitDecided(["pc"])

        // Partial fundings add up; beyond what is missing is overfunded; only the client's wallets fund.
        for body in [fund("f1", "pf-a", 5_000), fund("f2", "pf-a", 15_001), fund("f3", "pf-b", 5_000, from: "w0002")] {
            XCTAssertEqual(try post(body, key: key).status, 202)
        }
        try waitDecided(["f1", "f2", "f3"])
        let cli = try runFlexfin([
            "submit", "milestone-fund", "--project", "pf", "--milestone", "pf-a", "--from", "w0001", "--amount", "150.00", "--id", "f4",
        ])
        XCTAssertEqual(cli.status, 0, cli.errors)
        try submit([
            SubmittedCommand(
                PaymentCommand(
                    commandId: "f5", payer: "w0001", payee: "escrow.pf-b", amount: Money(minorUnits: 10_000, currency: Currency("USD")!),
                    kind: PaymentCommand.escrowFund, reference: "pf-b"))
        ])
        XCTAssertEqual(try post(fund("f6", "pf-b", 5_000), key: key).status, 202)
        try waitDecided(["f4", "f5", "f6"])
        XCTAssertEqual(
            try outcomes(["f1", "f2", "f3", "f4", "f5", "f6"]),
            ["applied", "rejected:overfunded", "rejected:not_project_client", "applied", "applied", "applied"])
        XCTAssertEqual(try count("SELECT count(*) FROM milestones WHERE id = 'pf-a' AND status = 'funded'"), 1)
        XCTAssertEqual(try balance("escrow.pf-b"), 15_000, "a legacy escrow_fund payment and a milestone.fund add up")

        // Released once; a completed milestone cannot be cancelled.
        try submit([SubmittedCommand(MilestoneCompletion(commandId: "c1", projectId: "pf", milestoneId: "pf-a", completedBy: "u0001"))])
        try waitDecided(["c1"])
        XCTAssertEqual(try post(cancel("x1", "pf-a"), key: key).status, 202)
        // The client cancels pf-b: both fundings go back to w0001 in one balanced posting.
        XCTAssertEqual(try post(cancel("x2", "pf-b"), key: key).status, 202)
        try waitDecided(["x1", "x2"])
        XCTAssertEqual(try outcomes(["c1", "x1", "x2"]), ["applied", "rejected:already_completed", "applied"])
        XCTAssertEqual(try balance("escrow.pf-b"), 0)
        XCTAssertEqual(try balance("w0001"), 100_000 - 20_000, "everything but the released milestone came back")
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'x2' AND kind = 'escrow_return' AND amount = 15000"), 1)

        // An operator's cancellation needs the operate scope; its actor is the key's name, into the audit log.
        let refused = try post(cancel("x3", "pf-c", by: "operator"), key: key)
        XCTAssertEqual(refused.status, 403, refused.text)
        XCTAssertTrue(refused.text.contains("operate"), refused.text)
        XCTAssertEqual(try post(cancel("x3", "pf-c", by: "operator"), key: operatorKey).status, 202)
        XCTAssertEqual(try post(cancel("x4", "pf-b", by: "u0002"), key: key).status, 202)
        XCTAssertEqual(try post(cancel("x5", "pf-b"), key: key).status, 202)
        XCTAssertEqual(try post(fund("f7", "pf-b", 1), key: key).status, 202)
        try submit([SubmittedCommand(MilestoneCompletion(commandId: "c2", projectId: "pf", milestoneId: "pf-b", completedBy: "u0001"))])
        try waitDecided(["x3", "x4", "x5", "f7", "c2"])
        XCTAssertEqual(
            try outcomes(["x3", "x4", "x5", "f7", "c2"]),
            [
                "applied", "rejected:not_project_client", "rejected:already_cancelled", "rejected:milestone_not_pending",
                "rejected:milestone_cancelled",
            ])
        XCTAssertEqual(try count("SELECT count(*) FROM milestones WHERE id = 'pf-c' AND cancel_actor = 'ops-anna' AND returned = 0"), 1)

        // The project as its parties read it; the follow-ups.
        let project = try HTTPCall.send(
            URL(string: "/v1/projects/pf", relativeTo: api)!, method: "GET", headers: ["Authorization": "Bearer \(key)"], body: nil)
        XCTAssertEqual(project.status, 200, project.text)
        let milestones = try XCTUnwrap(
            (JSONSerialization.jsonObject(with: project.body) as? [String: Any])?["milestones"] as? [[String: Any]])
        let b = try XCTUnwrap(milestones.first { $0["milestone_id"] as? String == "pf-b" })
        XCTAssertEqual(b["status"] as? String, "cancelled")
        XCTAssertEqual((b["fundings"] as? [Any])?.count, 2)
        let cancellation = try XCTUnwrap(b["cancellation"] as? [String: Any])
        XCTAssertEqual(cancellation["returned"] as? Int, 15_000)
        XCTAssertEqual((cancellation["returns"] as? [[String: Any]])?.first?["wallet"] as? String, "w0001")
        let shown = try runFlexfin(["project", "show", "pf"]).output
        XCTAssertTrue(
            shown.contains("pf-b: cancelled, amount $300.00, escrow $0.00, 2 fundings; cancelled by u0001 (scope cut): $150.00 returned"),
            shown)
        try workbench.wait(upTo: .seconds(30), for: "both parties told of each cancellation, the operator in the audit log") { db in
            try db.query("SELECT count(*) FROM notifications WHERE event_type = 'milestone.cancelled'").int(0, 0) == 4
                && db.query("SELECT count(*) FROM audit_log WHERE event_type = 'milestone.cancelled' AND body LIKE '%ops-anna%'")
                    .int(0, 0) == 1
        }
        let told = try settings.connectDatabase().query(
            "SELECT message FROM notifications WHERE event_type = 'milestone.cancelled' AND user_id = 'u0001' AND message LIKE '%pf-b%'")
        XCTAssertEqual(
            told.string(0, 0), "Milestone pf-b of project pf was cancelled by its client (scope cut): $150.00 went back to w0001.")
        XCTAssertEqual(try LedgerVerification.run(on: settings.connectDatabase()).problems, [])
    }

    func testDebtsOpenedByCommandDisbursedOrNotAndRepaid() throws {
        try workbench.reset(wallets: 2, balance: 0)
        _ = try ["repayments-worker", "notifications-worker"].map { try start($0) }
        api = try XCTUnwrap(startAPI().apiURL)
        let key = try apiKey("lending", "submit,read")
        func open(_ id: String, debt: String, account: String = "w0001", monthly: Int64 = 10_000, disburse: Bool = true) -> String {
            #"{"command_id":"\#(id)","type":"debt.open","debt_id":"\#(debt)","borrower_id":"u0001","account":"\#(account)","lender":"acme","currency":"USD","principal":100000,"annual_rate_bps":1200,"monthly_payment":\#(monthly),"due_day":15,"business":true,"start_date":"2026-11-01","disburse":\#(disburse)}"#
        }
        for body in [
            open("o1", debt: "dx1"), open("o2", debt: "dx1"), open("o3", debt: "dx2", monthly: 900),
            open("o4", debt: "dx3", account: "w0002"),
        ] {
            XCTAssertEqual(try post(body, key: key).status, 202)
        }
        try waitDecided(["o1", "o2", "o3", "o4"])
        let cli = try runFlexfin([
            "submit", "debt-open", "--debt", "dx4", "--borrower", "u0001", "--account", "w0001", "--lender", "acme", "--principal",
            "500.00",
            "--rate-bps", "0", "--monthly-payment", "100.00", "--due-day", "1", "--id", "o5",
        ])
        XCTAssertEqual(cli.status, 0, cli.errors)
        try waitDecided(["o5"])
        XCTAssertEqual(
            try outcomes(["o1", "o2", "o3", "o4", "o5"]),
            ["applied", "rejected:debt_exists", "rejected:payment_below_interest", "rejected:not_borrowers_wallet", "applied"])
        XCTAssertEqual(try balance("w0001"), 100_000, "only the disbursed debt paid into the wallet")
        XCTAssertEqual(try balance("lender.acme.USD"), -100_000, "the lender's account, created on first use, paid it")
        XCTAssertEqual(try count("SELECT count(*) FROM debts WHERE id = 'dx4' AND NOT disbursed AND interest_from = current_date"), 1)

        // Repaid from the disbursed money: interest first, then principal.
        try submit([
            SubmittedCommand(
                DebtRepayment(
                    commandId: "r1", debtId: "dx1", wallet: "w0001", amount: Money(minorUnits: 10_000, currency: Currency("USD")!),
                    acceptedOn: CalendarDay(Date())))
        ])
        try waitDecided(["r1"])
        XCTAssertEqual(try outcomes(["r1"]), ["applied"])
        let debt = try HTTPCall.send(
            URL(string: "/v1/debts/dx1", relativeTo: api)!, method: "GET", headers: ["Authorization": "Bearer \(key)"], body: nil)
        let fields = try XCTUnwrap(JSONSerialization.jsonObject(with: debt.body) as? [String: Any], debt.text)
        XCTAssertEqual(fields["lender"] as? String, "lender.acme.USD")
        let outstanding = try XCTUnwrap(fields["outstanding_principal"] as? Int)
        XCTAssertLessThan(outstanding, 100_000)
        XCTAssertEqual(
            try count("SELECT (100000 - sum(principal))::int FROM debt_repayments WHERE debt_id = 'dx1'"), outstanding,
            "outstanding = original less the principal parts")
        try workbench.wait(upTo: .seconds(30), for: "the borrower told") { db in
            try db.query("SELECT count(*) FROM notifications WHERE user_id = 'u0001' AND event_type LIKE 'debt.open%'").int(0, 0) == 5
        }
        XCTAssertEqual(try LedgerVerification.run(on: settings.connectDatabase()).problems, [])
    }
}
