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

    // MARK: - Releases, fundings and cancellations (the milestones worker)

    private func milestone(
        _ id: String = "m1", status: MilestoneStatus = .funded, amount: Int64 = 10_000, bps: Int64 = 500, wallet: String = "wf",
        fundedBy: [String: Int64] = [:]
    ) -> MilestoneState {
        MilestoneState(
            id: id, projectId: "p1", client: "client", freelancer: "free", currency: "USD", amount: amount, status: status,
            escrowAccount: "escrow.\(id)", feeBasisPoints: bps, payoutWallet: wallet, fundedBy: fundedBy)
    }

    private func account(_ id: String, _ user: String?, balance: Int64 = 0, status: AccountStatus = .open, currency: String = "USD")
        -> AccountState
    {
        AccountState(id: id, userId: user, isWallet: user != nil, currency: currency, balance: balance, status: status)
    }

    private func escrows(_ balances: [String: Int64]) -> [String: AccountState] {
        Dictionary(uniqueKeysWithValues: balances.map { ("escrow.\($0.key)", account("escrow.\($0.key)", nil, balance: $0.value)) })
    }

    private func complete(_ id: String, _ milestone: String = "m1", by: String = "client", project: String = "p1") -> MilestoneCommand {
        .complete(MilestoneCompletion(commandId: id, projectId: project, milestoneId: milestone, completedBy: by))
    }

    private func fund(_ id: String, _ amount: Int64, _ milestone: String = "m1", from: String = "wc", project: String = "p1")
        -> MilestoneCommand
    {
        .fund(MilestoneFunding(commandId: id, projectId: project, milestoneId: milestone, fromAccount: from, amount: amount))
    }

    private func cancel(_ id: String, _ milestone: String = "m1", by: String = "client", project: String = "p1") -> MilestoneCommand {
        .cancel(MilestoneCancellation(commandId: id, projectId: project, milestoneId: milestone, by: by, reason: "scope changed"))
    }

    private func reasons(_ plan: MilestonePlan) -> [String] { plan.outcomes.map { $0.rejection?.rawValue ?? "ok" } }

    private let projects: [String: (client: String, freelancer: String)] = ["p1": ("client", "free")]

    func testAReleaseIsOneBalancedSplitAndASecondCompletionIsRejected() throws {
        let plan = MilestonePlan(
            commands: [complete("c1"), complete("c2")], milestones: ["m1": milestone()], projects: projects,
            accounts: escrows(["m1": 10_000]).merging(["wf": account("wf", "free")]) { $1 })
        XCTAssertEqual(reasons(plan), ["ok", "already_completed"])
        XCTAssertEqual(plan.balanceChanges, ["escrow.m1": -10_000, "wf": 9_500])
        XCTAssertEqual(plan.fees, ["fees.USD": 500])
        XCTAssertEqual(plan.balanceChanges.values.reduce(0, +) + plan.fees.values.reduce(0, +), 0)
        guard case .milestoneCompleted(let release) = plan.outcomes[0].event else { return XCTFail() }
        XCTAssertEqual(release.users, ["client", "free"])
    }

    func testEachCompletionRejectionReason() {
        let milestones = [
            "m1": milestone(), "half": milestone("half", status: .pending), "done": milestone("done", status: .completed),
            "eur": milestone("eur", wallet: "we"), "closed": milestone("closed", wallet: "wx"), "frozen": milestone("frozen", wallet: "wz"),
            "off": milestone("off", status: .cancelled),
        ]
        var accounts = escrows(["m1": 10_000, "half": 5_000, "done": 0, "eur": 10_000, "closed": 10_000, "frozen": 10_000, "off": 0])
        accounts["we"] = account("we", "free", currency: "EUR")
        accounts["wx"] = account("wx", "free", status: .closed)
        accounts["wz"] = account("wz", "free", status: .frozen)
        let plan = MilestonePlan(
            commands: [
                complete("1", project: "nope"), complete("2", "nope"), complete("3", by: "free"), complete("4", "half"),
                complete("5", "done"), complete("6", "eur"), complete("7", "closed"), complete("8", "frozen"), complete("9", "off"),
            ],
            milestones: milestones, projects: projects, accounts: accounts)
        XCTAssertEqual(
            reasons(plan),
            [
                "unknown_project", "unknown_milestone", "not_project_client", "not_funded", "already_completed", "currency_mismatch",
                "wallet_closed", "ok", "milestone_cancelled",
            ], "a frozen wallet still receives its release")
        XCTAssertEqual(plan.balanceChanges["wz"], 9_500)
        XCTAssertEqual(Set(reasons(plan)).subtracting(["ok"]), Set(CommandType.milestoneComplete.rejectionReasons))
    }

    /// Partial fundings add up to the amount, and the one that fills it makes the milestone fundable no more.
    func testFundingsAddUpAndEachRejectionReason() {
        var accounts = escrows(["m1": 0, "m2": 0])
        accounts["wc"] = account("wc", "client", balance: 50_000)
        accounts["wc2"] = account("wc2", "client", balance: 100)
        accounts["wx"] = account("wx", "stranger", balance: 50_000)
        accounts["wz"] = account("wz", "client", balance: 50_000, status: .frozen)
        accounts["wcl"] = account("wcl", "client", status: .closed)
        accounts["weur"] = account("weur", "client", balance: 50_000, currency: "EUR")
        let plan = MilestonePlan(
            commands: [
                fund("1", 4_000), fund("2", 7_000), fund("3", 6_000), fund("4", 1), fund("5", 1, from: "wx", project: "nope"),
                fund("6", 1, "m9"), fund("7", 1, "m2", from: "nobody"), fund("8", 1, "m2", from: "wcl"), fund("9", 1, "m2", from: "wz"),
                fund("10", 1, "m2", from: "weur"), fund("11", 1, "m2", from: "wx"), fund("12", 200, "m2", from: "wc2"),
            ],
            milestones: ["m1": milestone(status: .pending), "m2": milestone("m2", status: .pending)], projects: projects,
            accounts: accounts)
        XCTAssertEqual(
            reasons(plan),
            [
                "ok", "overfunded", "ok", "milestone_not_pending", "unknown_project", "unknown_milestone", "unknown_wallet",
                "wallet_closed", "account_frozen", "currency_mismatch", "not_project_client", "insufficient_funds",
            ])
        XCTAssertEqual(Set(reasons(plan)).subtracting(["ok"]), Set(CommandType.milestoneFund.rejectionReasons))
        XCTAssertEqual(plan.newlyFunded, ["m1"])
        XCTAssertEqual(plan.balanceChanges, ["wc": -10_000, "escrow.m1": 10_000])
        guard case .milestoneFunded(let first) = plan.outcomes[0].event, case .milestoneFunded(let last) = plan.outcomes[2].event else {
            return XCTFail()
        }
        XCTAssertEqual([first.escrow, last.escrow], [4_000, 10_000])
        XCTAssertEqual([first.fullyFunded, last.fullyFunded], [false, true])
        XCTAssertEqual(last.users, ["client", "free"], "the freelancer hears once the milestone is fully funded")
    }

    /// A cancellation gives each funder back exactly what it paid in, a
    /// funding earlier in the batch included, in one balanced posting.
    func testACancellationReturnsEachFundersMoneyAndEachRejectionReason() {
        var accounts = escrows(["m1": 6_000, "done": 0, "off": 0, "m3": 1_000, "m4": 0])
        accounts["wc"] = account("wc", "client", balance: 50_000)
        accounts["wc2"] = account("wc2", "client", balance: 0, status: .frozen)
        accounts["wcl"] = account("wcl", "client", status: .closed)
        let milestones = [
            "m1": milestone(status: .pending, fundedBy: ["wc": 2_000, "wc2": 4_000]), "done": milestone("done", status: .completed),
            "off": milestone("off", status: .cancelled), "m3": milestone("m3", status: .pending, fundedBy: ["wcl": 1_000]),
            "m4": milestone("m4", status: .pending),
        ]
        let plan = MilestonePlan(
            commands: [
                fund("f", 1_500), cancel("1"), cancel("2"), cancel("3", "done"), cancel("4", "off"), cancel("5", "m3"),
                cancel("6", "m4", by: "free"), cancel("7", project: "nope"), cancel("8", "m9"), cancel("9", "m4", by: "operator"),
                fund("10", 1, "m4"),
            ],
            milestones: milestones, projects: projects, accounts: accounts)
        XCTAssertEqual(
            reasons(plan),
            [
                "ok", "ok", "already_cancelled", "already_completed", "already_cancelled", "wallet_closed", "not_project_client",
                "unknown_project", "unknown_milestone", "ok", "milestone_not_pending",
            ])
        XCTAssertEqual(
            Set(reasons(plan)).subtracting(["ok"]), Set(CommandType.milestoneCancel.rejectionReasons).union(["milestone_not_pending"]))
        XCTAssertEqual(plan.balanceChanges, ["wc2": 4_000, "escrow.m1": -6_000, "wc": 2_000], "a frozen funder still gets its money back")
        guard case .milestoneCancelled(let cancelled) = plan.outcomes[1].event else { return XCTFail() }
        XCTAssertEqual(cancelled.returned, [.init(wallet: "wc", amount: 3_500), .init(wallet: "wc2", amount: 4_000)])
        XCTAssertEqual(cancelled.totalReturned, 7_500)
        XCTAssertEqual(cancelled.users, ["client", "free"])
        guard case .milestoneCancelled(let byOperator) = plan.outcomes[9].event else { return XCTFail() }
        XCTAssertEqual(byOperator.returned, [], "nothing was funded: nothing goes back")
        XCTAssertEqual(byOperator.actor, "unknown", "an operator's cancellation names who sent it")
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
