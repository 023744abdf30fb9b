import Domain
import Foundation
import Ledger
import Milestones
import SeededWorld
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

/// `project.create` through the API's door, then funded and completed as a
/// seeded project is: the open world's projects.
final class ProjectCreationTests: PipelineTestCase {
    func testAProjectCreatedByCommandIsFundedAndReleasedAndEveryRuleRejects() throws {
        try workbench.reset(wallets: 3, balance: 100_000)
        _ = try ["payments-worker", "milestones-worker", "audit-worker", "notifications-worker"].map { try start($0) }
        let api = try XCTUnwrap(startAPI().apiURL)
        let key = try apiKey("platform", "submit")
        func post(_ body: String) throws -> Int {
            try HTTPCall.send(
                URL(string: "/v1/commands", relativeTo: api)!, method: "POST",
                headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"], body: Data(body.utf8)
            ).status
        }
        func create(_ id: String, project: String, payout: String = "w0002", milestone: String) -> String {
            #"{"command_id":"\#(id)","type":"project.create","project_id":"\#(project)","client_id":"u0001","freelancer_id":"u0002","currency":"USD","fee_bps":1000,"payout_account":"\#(payout)","milestones":[{"milestone_id":"\#(milestone)","title":"Logo","amount":20000,"due_date":"2027-01-31"},{"milestone_id":"\#(milestone)-b","title":"Site","amount":30000}]}"#
        }
        for body in [
            create("pc1", project: "new1", milestone: "new1-a"), create("pc2", project: "new1", milestone: "x1"),
            create("pc3", project: "new2", milestone: "new1-a"), create("pc4", project: "new3", payout: "w0001", milestone: "x3"),
        ] {
            XCTAssertEqual(try post(body), 202)
        }
        try workbench.wait(upTo: .seconds(30), for: "the creations decided") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = 'milestones'").int(0, 0) == 4
        }
        let outcomes = try (1...4).map { i in
            try settings.connectDatabase().query(
                "SELECT outcome || coalesce(':' || reason, '') FROM inbox WHERE message_id = $1", ["pc\(i)"]
            )
            .string(0, 0) ?? "-"
        }
        XCTAssertEqual(
            outcomes, ["applied", "rejected:project_exists", "rejected:milestone_exists", "rejected:invalid_payout_account"])
        XCTAssertEqual(try count("SELECT count(*) FROM milestones WHERE project_id = 'new1' AND status = 'pending'"), 2)
        XCTAssertEqual(try count("SELECT count(*) FROM accounts WHERE id IN ('escrow.new1-a', 'escrow.new1-a-b') AND balance = 0"), 2)

        // Funded (escrow_fund, as any milestone) and completed: 10 % fee, the rest to the payout account.
        try submit([
            SubmittedCommand(
                PaymentCommand(
                    commandId: "f1", payer: "w0001", payee: "escrow.new1-a", amount: Money(minorUnits: 20_000, currency: Currency("USD")!),
                    kind: PaymentCommand.escrowFund, reference: "new1-a"))
        ])
        try workbench.wait(upTo: .seconds(30), for: "funded") { db in
            try db.query("SELECT status FROM milestones WHERE id = 'new1-a'").string(0, 0) == "funded"
        }
        try submit([SubmittedCommand(MilestoneCompletion(commandId: "c1", projectId: "new1", milestoneId: "new1-a", completedBy: "u0001"))])
        try workbench.wait(upTo: .seconds(30), for: "released") { db in
            try db.query("SELECT status FROM milestones WHERE id = 'new1-a'").string(0, 0) == "completed"
        }
        XCTAssertEqual(try count("SELECT balance::int FROM accounts WHERE id = 'w0002'"), 100_000 + 18_000)
        let shown = try runFlexfin(["project", "show", "new1"]).output
        XCTAssertTrue(
            shown.contains("new1-a: completed, amount $200.00, escrow $0.00, 1 funding; released: fee $20.00, net $180.00 to w0002"), shown)
        try workbench.wait(upTo: .seconds(30), for: "both parties told, the rejections' client too") { db in
            try db.query("SELECT count(*) FROM notifications WHERE event_type = 'project.created'").int(0, 0) == 2
                && db.query("SELECT count(*) FROM notifications WHERE event_type = 'project.rejected' AND user_id = 'u0001'").int(0, 0) == 3
        }
        // The CLI's door: the same command, its milestones as id:amount:title[:due].
        let cli = try runFlexfin([
            "submit", "project-create", "--project", "new4", "--client", "u0001", "--freelancer", "u0002", "--payout", "w0002",
            "--milestone", "new4-a:150.00:Copy:2027-02-01", "--milestone", "new4-b:99.99:Edit", "--id", "pc5",
        ])
        XCTAssertEqual(cli.status, 0, cli.errors)
        try workbench.wait(upTo: .seconds(30), for: "the CLI's project created") { db in
            try db.query("SELECT sum(amount)::int FROM milestones WHERE project_id = 'new4'").int(0, 0) == 24_999
        }
        let told = try settings.connectDatabase().query(
            "SELECT message FROM notifications WHERE event_type = 'project.created' AND user_id = 'u0002'")
        XCTAssertEqual(told.string(0, 0), "u0001 set up project new1 with you: 2 milestones, $500.00 in all, paid into w0002.")
    }
}
