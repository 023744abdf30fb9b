import Domain
import XCTest

/// Fees, escrow funding and releases: the pure rules, no I/O.
final class MilestoneRulesTests: XCTestCase {
    private let usd = Currency("USD")!

    private func split(_ gross: Int64, _ bps: Int64) -> FeeSplit {
        FeeSplit(gross: Money(minorUnits: gross, currency: usd), basisPoints: bps)
    }

    func testTheFeeIsRoundedDownInTheFreelancersFavour() {
        // 999 × 2.5 % = 24.975: the fee is 24, the freelancer gets 975.
        XCTAssertEqual(split(999, 250).fee, 24)
        XCTAssertEqual(split(999, 250).net, 975)
        // 1 × 99.99 % = 0.9999: no fee at all.
        XCTAssertEqual(split(1, 9_999).fee, 0)
        XCTAssertEqual(split(10_001, 1).fee, 1)
        XCTAssertEqual(split(12_345, 333).fee, 411)  // 411.0885
    }

    func testZeroAndFullBasisPoints() {
        XCTAssertEqual(split(12_345, 0).fee, 0)
        XCTAssertEqual(split(12_345, 0).net, 12_345)
        XCTAssertEqual(split(12_345, 10_000).fee, 12_345)
        XCTAssertEqual(split(12_345, 10_000).net, 0)
    }

    func testNoOverflowOnTheLargestAmount() {
        let largest = split(Int64.max, 9_999)
        XCTAssertEqual(largest.fee + largest.net, Int64.max)
        XCTAssertEqual(largest.fee, Int64.max / 10_000 * 9_999 + Int64.max % 10_000 * 9_999 / 10_000)
    }

    // MARK: - Releases

    private func milestone(
        _ id: String = "m1", status: MilestoneStatus = .funded, escrow: Int64 = 10_000, amount: Int64 = 10_000,
        bps: Int64 = 500, wallet: AccountState? = nil
    ) -> MilestoneState {
        MilestoneState(
            id: id, projectId: "p1", client: "client", freelancer: "free", currency: "USD", amount: amount, status: status,
            escrowAccount: "escrow.\(id)", escrowBalance: escrow, feeBasisPoints: bps,
            payoutWallet: wallet ?? AccountState(id: "wf", userId: "free", isWallet: true, currency: "USD", balance: 0, status: .open))
    }

    private func complete(_ id: String, _ milestone: String = "m1", by: String = "client", project: String = "p1") -> MilestoneCompletion {
        MilestoneCompletion(commandId: id, projectId: project, milestoneId: milestone, completedBy: by)
    }

    private func reasons(_ plan: MilestonePlan) -> [String] {
        plan.outcomes.map { if case .rejected(_, let r, _) = $0 { r.rawValue } else { "ok" } }
    }

    private let projects: [String: (client: String, freelancer: String)] = ["p1": ("client", "free")]

    func testAReleaseIsOneBalancedSplitAndASecondCompletionIsRejected() throws {
        let plan = MilestonePlan(commands: [complete("c1"), complete("c2")], milestones: ["m1": milestone()], projects: projects)
        XCTAssertEqual(reasons(plan), ["ok", "already_completed"])
        XCTAssertEqual(plan.balanceChanges, ["escrow.m1": -10_000, "wf": 9_500])
        XCTAssertEqual(plan.fees, ["fees.USD": 500])
        XCTAssertEqual(plan.balanceChanges.values.reduce(0, +) + plan.fees.values.reduce(0, +), 0)
        guard case .completed(_, let release) = plan.outcomes[0] else { return XCTFail() }
        XCTAssertEqual(release.users, ["client", "free"])
    }

    func testEachRejectionReason() {
        let eurWallet = AccountState(id: "we", userId: "free", isWallet: true, currency: "EUR", balance: 0, status: .open)
        let closed = AccountState(id: "wx", userId: "free", isWallet: true, currency: "USD", balance: 0, status: .closed)
        let frozen = AccountState(id: "wz", userId: "free", isWallet: true, currency: "USD", balance: 0, status: .frozen)
        let milestones = [
            "m1": milestone(), "half": milestone("half", status: .pending, escrow: 5_000),
            "done": milestone("done", status: .completed, escrow: 0), "eur": milestone("eur", wallet: eurWallet),
            "closed": milestone("closed", wallet: closed), "frozen": milestone("frozen", wallet: frozen),
        ]
        let plan = MilestonePlan(
            commands: [
                complete("1", project: "nope"), complete("2", "nope"), complete("3", by: "free"),
                complete("4", "half"), complete("5", "done"), complete("6", "eur"), complete("7", "closed"), complete("8", "frozen"),
            ],
            milestones: milestones, projects: projects)
        XCTAssertEqual(
            reasons(plan),
            [
                "unknown_project", "unknown_milestone", "not_project_client", "not_funded", "already_completed",
                "currency_mismatch", "wallet_closed", "ok",
            ], "a frozen wallet still receives its release")
        XCTAssertEqual(plan.balanceChanges["wz"], 9_500)
    }

    // MARK: - Escrow funding (a payment of kind escrow_fund)

    private func fund(_ id: String, _ amount: Int64, from: String = "wc", milestone: String = "m1", to: String = "escrow.m1")
        -> PaymentCommand
    {
        PaymentCommand(
            commandId: id, payer: from, payee: to, amount: Money(minorUnits: amount, currency: usd),
            kind: PaymentCommand.escrowFund, reference: milestone)
    }

    func testFundingAccumulatesUpToTheAmountAndNoFurther() {
        let accounts = [
            "wc": AccountState(id: "wc", userId: "client", isWallet: true, currency: "USD", balance: 50_000, status: .open),
            "wx": AccountState(id: "wx", userId: "stranger", isWallet: true, currency: "USD", balance: 50_000, status: .open),
            "escrow.m1": AccountState(id: "escrow.m1", userId: nil, isWallet: false, currency: "USD", balance: 0, status: .open),
            "w2": AccountState(id: "w2", userId: "u2", isWallet: true, currency: "USD", balance: 0, status: .open),
        ]
        let target = EscrowTarget(milestoneId: "m1", escrowAccount: "escrow.m1", client: "client", amount: 10_000, status: .pending)
        let plan = PaymentPlan(
            commands: [
                fund("1", 4_000), fund("2", 7_000), fund("3", 4_000, from: "wx"), fund("4", 6_000),
                fund("5", 1), fund("6", 1, milestone: "m9"), fund("7", 1, to: "w2"),
                PaymentCommand(commandId: "8", payer: "wc", payee: "escrow.m1", amount: Money(minorUnits: 1, currency: usd)),
            ],
            accounts: accounts, escrows: ["m1": target])
        let reasons = plan.outcomes.map { $0.rejection?.rawValue ?? "ok" }
        XCTAssertEqual(
            reasons,
            [
                "ok", "escrow_overfunded", "not_project_client", "ok", "milestone_not_pending", "unknown_milestone",
                "not_escrow_of_milestone", "unknown_wallet",
            ])
        XCTAssertEqual(plan.fundedMilestones, ["m1"])
        XCTAssertEqual(plan.balanceChanges, ["wc": -10_000, "escrow.m1": 10_000])
    }
}

/// `project.create`: read as the contract says, and decided in order.
final class ProjectCreationTests: XCTestCase {
    private let usd = Currency("USD")!

    private func body(_ milestones: String, extra: String = "") -> [UInt8] {
        Array(
            #"{"command_id":"c1","type":"project.create","project_id":"p1","client_id":"u1","freelancer_id":"u2","currency":"USD","payout_account":"w2","milestones":\#(milestones)\#(extra)}"#
                .utf8)
    }

    private func field(_ bytes: [UInt8]) -> String {
        do {
            _ = try ProjectCreation(body: bytes)
            return "accepted"
        } catch { return error.field ?? "-" }
    }

    func testTheBodyIsReadAsTheContractSays() throws {
        let project = try ProjectCreation(
            body: body(
                #"[{"milestone_id":"m1","title":"Design","amount":5000,"due_date":"2027-01-31"},{"milestone_id":"m2","title":"Build","amount":7000}]"#
            ))
        XCTAssertEqual(project.milestones.map(\.id), ["m1", "m2"])
        XCTAssertEqual(project.total, 12_000)
        XCTAssertNil(project.feeBasisPoints, "the platform's rate")
        XCTAssertEqual(try ProjectCreation(body: project.canonicalBody), project, "the canonical body reads back")
        XCTAssertEqual(field(body("[]")), "milestones")
        XCTAssertEqual(field(body(#"[{"milestone_id":"m1","title":"x","amount":0}]"#)), "milestones[0].amount")
        XCTAssertEqual(
            field(body(#"[{"milestone_id":"m1","title":"x","amount":1},{"milestone_id":"m1","title":"y","amount":1}]"#)),
            "milestones[1].milestone_id")
        XCTAssertEqual(field(body(#"[{"milestone_id":"m1","title":"x","amount":1,"due_date":"soon"}]"#)), "milestones[0].due_date")
        XCTAssertEqual(
            field(body(#"[{"milestone_id":"\#(String(repeating: "m", count: 58))","title":"x","amount":1}]"#)), "milestones[0].milestone_id"
        )
        XCTAssertEqual(field(body(#"[{"milestone_id":"m1","title":"x","amount":1}]"#, extra: #","fee_bps":10001"#)), "fee_bps")
        let fifty = (1...51).map { #"{"milestone_id":"m\#($0)","title":"x","amount":1}"# }.joined(separator: ",")
        XCTAssertEqual(field(body("[\(fifty)]")), "milestones")
    }

    func testEachRejectionReasonAndTheBatchDecidedInOrder() {
        func project(_ id: String, milestone: String, payout: String = "w2", freelancer: String = "u2") -> ProjectCreation {
            ProjectCreation(
                commandId: "c-\(id)-\(milestone)", projectId: id, client: "u1", freelancer: freelancer, currency: usd,
                payoutAccount: payout,
                milestones: [.init(id: milestone, title: "t", amount: 100)])
        }
        let wallet = AccountState(id: "w2", userId: "u2", isWallet: true, currency: "USD", balance: 0, status: .open)
        let other = AccountState(id: "w1", userId: "u1", isWallet: true, currency: "USD", balance: 0, status: .open)
        let plan = ProjectCreationPlan(
            commands: [
                project("p1", milestone: "m1"), project("p1", milestone: "m9"), project("p2", milestone: "m1"),
                project("p3", milestone: "m3", freelancer: "nobody"), project("p4", milestone: "m4", payout: "w1"),
                project("p5", milestone: "old"),
            ],
            existingProjects: [], existingMilestones: ["old"], users: ["u1", "u2"], accounts: ["w2": wallet, "w1": other])
        XCTAssertEqual(
            plan.outcomes.map { $0.rejection?.rawValue ?? "created" },
            ["created", "project_exists", "milestone_exists", "unknown_user", "invalid_payout_account", "milestone_exists"])
        XCTAssertEqual(plan.created.map(\.projectId), ["p1"])
        XCTAssertEqual(plan.outcomes.map(\.event.type.rawValue).first, "project.created")
    }
}
