import Domain
import XCTest

/// The accounts worker's decisions, command by command in batch order,
/// with no I/O: every rejection reason, the two phases of a withdrawal,
/// a gateway's payment credited once, freezing and closing.
final class AccountPlanTests: XCTestCase {
    private let usd = Currency("USD")!

    private func wallet(_ id: String, _ balance: Int64, user: String = "u1", status: AccountStatus = .open) -> AccountState {
        AccountState(id: id, userId: user, isWallet: true, currency: "USD", balance: balance, status: status, purpose: .business)
    }

    private func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: usd) }

    private func deposit(_ id: String, _ account: String, _ minor: Int64, external: String? = nil) -> AccountCommand {
        .deposit(Deposit(commandId: id, account: account, amount: money(minor), gateway: "stripe", externalId: external ?? "ch_" + id))
    }

    private func withdraw(_ id: String, _ account: String, _ minor: Int64) -> AccountCommand {
        .withdrawal(Withdrawal(commandId: id, account: account, amount: money(minor), gateway: "stripe", destination: "iban-1"))
    }

    private func settle(_ id: String, _ withdrawal: String) -> AccountCommand {
        .withdrawalOutcome(WithdrawalOutcome(commandId: id, withdrawalId: withdrawal, decision: .settle(externalId: "po_" + id)))
    }

    private func fail(_ id: String, _ withdrawal: String) -> AccountCommand {
        .withdrawalOutcome(WithdrawalOutcome(commandId: id, withdrawalId: withdrawal, decision: .fail(reason: "account closed at bank")))
    }

    private func change(_ id: String, _ type: CommandType, _ account: String) -> AccountCommand {
        .statusChange(AccountStatusChange(commandId: id, type: type, account: account, reason: "review"))
    }

    private func plan(
        _ commands: [AccountCommand], _ accounts: [AccountState], openedHere: Set<String> = [],
        withdrawals: [WithdrawalState] = [], claims: Set<String>? = nil
    ) -> AccountPlan {
        let allClaims =
            claims ?? Set(commands.compactMap { if case .deposit(let d) = $0 { d.commandId } else { nil } })
        return AccountPlan(
            commands: commands, accounts: Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, $0) }), openedHere: openedHere,
            withdrawals: Dictionary(uniqueKeysWithValues: withdrawals.map { ($0.id, $0) }), claims: allClaims)
    }

    private func reasons(_ plan: AccountPlan) -> [String] { plan.outcomes.map { $0.rejection?.rawValue ?? "applied" } }

    func testADepositCreditsTheWalletFromTheGatewaysClearingAccount() {
        let p = plan([deposit("d1", "w1", 1093)], [wallet("w1", 0)])
        XCTAssertEqual(reasons(p), ["applied"])
        XCTAssertEqual(p.balanceChanges, ["w1": 1093, "gateway.stripe.USD": -1093])
        XCTAssertEqual(p.postings.map(\.kind), ["deposit"])
        guard case .depositCompleted(let event)? = p.outcomes[0].event else { return XCTFail("no deposit.completed") }
        XCTAssertEqual(event.userId, "u1")
        XCTAssertEqual(event.purpose, .business)
    }

    func testAGatewayPaymentAlreadyCreditedIsRefusedAndARefusedDepositGivesItsClaimBack() {
        let p = plan(
            [deposit("d1", "w1", 100), deposit("d2", "closed", 100)],
            [wallet("w1", 0), wallet("closed", 0, status: .closed)], claims: ["d2"])
        XCTAssertEqual(reasons(p), ["duplicate_external_id", "wallet_closed"])
        XCTAssertEqual(p.refusedDeposits, ["d2"], "claimed, then refused: the claim is given back")
        XCTAssertTrue(p.balanceChanges.isEmpty)
    }

    func testAWithdrawalMovesTheMoneyToPayoutThenSettlesOrFailsExactlyOnce() {
        let p = plan(
            [
                withdraw("wd1", "w1", 300), withdraw("wd2", "w1", 200), settle("s1", "wd1"), fail("f1", "wd2"), settle("s2", "wd1"),
                fail("f2", "wd1"), settle("s3", "nope"),
            ],
            [wallet("w1", 1000)])
        XCTAssertEqual(
            reasons(p),
            ["applied", "applied", "applied", "applied", "withdrawal_not_pending", "withdrawal_not_pending", "unknown_withdrawal"])
        // wd1: 300 out to the gateway for good; wd2: 200 out and back.
        XCTAssertEqual(p.balanceChanges, ["w1": -300, "gateway.stripe.USD": 300])
        XCTAssertEqual(p.postings.map(\.kind), ["withdrawal", "withdrawal", "withdrawal_settlement", "withdrawal_return"])
        XCTAssertEqual(p.requested.map(\.commandId), ["wd1", "wd2"])
        XCTAssertEqual(p.decided.map(\.withdrawal.status), [.settled, .failed])
        XCTAssertEqual(
            p.outcomes.compactMap(\.event).map(\.type.rawValue).prefix(4),
            ["withdrawal.requested", "withdrawal.requested", "withdrawal.settled", "withdrawal.failed"])
    }

    func testAPendingWithdrawalFromAnEarlierBatchSettlesOnce() {
        let pending = WithdrawalState(id: "wd0", account: "w1", amount: money(50), gateway: "stripe", destination: "iban", status: .pending)
        let settled = WithdrawalState(id: "wd9", account: "w1", amount: money(50), gateway: "stripe", destination: "iban", status: .settled)
        let p = plan([settle("s1", "wd0"), fail("f1", "wd9")], [wallet("w1", 0)], withdrawals: [pending, settled])
        XCTAssertEqual(reasons(p), ["applied", "withdrawal_not_pending"])
        XCTAssertEqual(p.balanceChanges, ["payout.stripe.USD": -50, "gateway.stripe.USD": 50])
    }

    func testAWithdrawalNeedsAnOpenWalletInItsCurrencyHoldingTheAmount() {
        let eur = AccountState(id: "eur", userId: "u1", isWallet: true, currency: "EUR", balance: 1000, status: .open)
        let p = plan(
            [
                withdraw("a", "w1", 1001), withdraw("b", "frozen", 1), withdraw("c", "closed", 1), withdraw("d", "eur", 1),
                withdraw("e", "none", 1),
            ],
            [wallet("w1", 1000), wallet("frozen", 1000, status: .frozen), wallet("closed", 0, status: .closed), eur])
        XCTAssertEqual(reasons(p), ["insufficient_funds", "account_frozen", "wallet_closed", "currency_mismatch", "unknown_wallet"])
    }

    func testAFrozenWalletReceivesButPaysNothingUntilUnfrozen() {
        let p = plan(
            [
                change("fz", .accountFreeze, "w1"), deposit("d1", "w1", 100), withdraw("wd1", "w1", 100),
                change("uf", .accountUnfreeze, "w1"),
                withdraw("wd2", "w1", 100),
            ],
            [wallet("w1", 500)])
        XCTAssertEqual(reasons(p), ["applied", "applied", "account_frozen", "applied", "applied"])
        XCTAssertEqual(p.statuses, ["w1": .open], "the status the batch ends in")
        XCTAssertEqual(
            p.outcomes.compactMap(\.event).map(\.type.rawValue),
            ["account.frozen", "deposit.completed", "withdrawal.rejected", "account.unfrozen", "withdrawal.requested"])
    }

    func testClosingNeedsAZeroBalanceAndNoPendingWithdrawalAndIsFinal() {
        let p = plan(
            [
                change("c1", .accountClose, "w1"), withdraw("wd1", "w1", 100), change("c2", .accountClose, "w1"), fail("f1", "wd1"),
                withdraw("wd2", "w1", 100), change("c3", .accountClose, "w1"), deposit("d1", "w1", 5), change("u1", .accountUnfreeze, "w1"),
                change("c4", .accountClose, "w1"),
            ],
            [wallet("w1", 100)])
        XCTAssertEqual(
            reasons(p),
            [
                "balance_not_zero", "applied", "withdrawals_pending", "applied", "applied", "withdrawals_pending", "applied", "applied",
                "balance_not_zero",
            ])
        let emptied = plan(
            [
                change("c1", .accountClose, "w0"), deposit("d1", "w0", 5), change("fz", .accountFreeze, "w0"),
                change("c2", .accountClose, "w0"),
            ], [wallet("w0", 0)])
        XCTAssertEqual(reasons(emptied), ["applied", "wallet_closed", "wallet_closed", "wallet_closed"])
        XCTAssertEqual(emptied.statuses, ["w0": .closed])
    }

    func testStatusChangesCarryTheirActorAndRepeatingOneChangesNothing() {
        var freeze = AccountStatusChange(commandId: "fz", type: .accountFreeze, account: "w1", reason: "chargeback review")
        freeze.actor = "api-key:ops"
        let p = plan(
            [.statusChange(freeze), change("fz2", .accountFreeze, "w1"), change("fz3", .accountFreeze, "escrow.m1")],
            [
                wallet("w1", 0), AccountState(id: "escrow.m1", userId: nil, isWallet: false, currency: "USD", balance: 0, status: .open),
            ])
        XCTAssertEqual(reasons(p), ["applied", "applied", "unknown_wallet"], "only wallets are frozen")
        guard case .accountFrozen(let event)? = p.outcomes[0].event else { return XCTFail("no account.frozen") }
        XCTAssertEqual(event.actor, "api-key:ops")
        XCTAssertNil(p.outcomes[1].event, "frozen again: no change, no event")
    }

    func testAnAccountOpensOnceAndIsThereOnlyForTheCommandsAfterItsOpening() {
        let opening = { (id: String, user: String) in
            AccountCommand.open(AccountOpening(commandId: id, accountId: "new", userId: user, currency: self.usd, purpose: .savings))
        }
        let fresh = AccountState(id: "new", userId: "u1", isWallet: true, currency: "USD", balance: 0, status: .open, purpose: .savings)
        let p = plan(
            [deposit("early", "new", 100), opening("o1", "u1"), deposit("late", "new", 100), opening("o2", "u1"), opening("o3", "u2")],
            [fresh], openedHere: ["new"])
        XCTAssertEqual(reasons(p), ["unknown_wallet", "applied", "applied", "applied", "account_exists"])
        XCTAssertEqual(
            p.outcomes.map { $0.event?.type.rawValue ?? "-" },
            ["deposit.rejected", "account.opened", "deposit.completed", "-", "account.rejected"])
        let taken = plan(
            [opening("o4", "u1")], [AccountState(id: "new", userId: "u1", isWallet: true, currency: "EUR", balance: 0, status: .open)])
        XCTAssertEqual(reasons(taken), ["account_exists"], "same owner, another currency")
    }

    func testEveryRejectionReasonIsDecidedSomewhere() {
        // The reasons the tests above reach, held to the full list: a new reason needs a test.
        let reached: Set<String> = [
            "account_exists", "unknown_wallet", "wallet_closed", "account_frozen", "currency_mismatch", "insufficient_funds",
            "duplicate_external_id", "unknown_withdrawal", "withdrawal_not_pending", "balance_not_zero", "withdrawals_pending",
        ]
        XCTAssertEqual(Set(AccountRejection.allCases.map(\.rawValue)).subtracting(reached), ["balance_overflow"])
        let full = plan([deposit("d", "w1", 2)], [wallet("w1", Int64.max - 1)])
        XCTAssertEqual(reasons(full), ["balance_overflow"])
    }

    func testCommandsAreReadAsTheContractSaysAndFaultsNameTheField() throws {
        let open = try AccountCommand(
            body: Array(
                #"{"command_id":"c1","type":"account.open","account_id":"w9","user_id":"u9","currency":"JPY","purpose":"savings"}"#.utf8))
        XCTAssertEqual(open.type, .accountOpen)
        let settle = try AccountCommand(
            body: Array(#"{"command_id":"c2","type":"withdrawal.settle","withdrawal_id":"wd1","external_id":"po_1"}"#.utf8))
        XCTAssertEqual(
            settle, .withdrawalOutcome(WithdrawalOutcome(commandId: "c2", withdrawalId: "wd1", decision: .settle(externalId: "po_1"))))
        func fault(_ body: String) -> String {
            do {
                _ = try AccountCommand(body: Array(body.utf8))
                return "accepted"
            } catch { return error.field ?? "-" }
        }
        XCTAssertEqual(
            fault(#"{"command_id":"c","type":"account.open","account_id":"w","user_id":"u","currency":"USD","purpose":"fun"}"#), "purpose")
        XCTAssertEqual(
            fault(#"{"command_id":"c","type":"deposit","account":"w","amount":1,"currency":"USD","gateway":"Stripe!","external_id":"x"}"#),
            "gateway")
        XCTAssertEqual(
            fault(#"{"command_id":"c","type":"deposit","account":"w","amount":0,"currency":"USD","gateway":"s","external_id":"x"}"#),
            "amount")
        XCTAssertEqual(fault(#"{"command_id":"c","type":"withdrawal.fail","withdrawal_id":"w","external_id":"x"}"#), "external_id")
        XCTAssertEqual(fault(#"{"command_id":"c","type":"account.freeze","account":"w"}"#), "reason")
        XCTAssertEqual(fault(#"{"command_id":"c","type":"payment","account":"w"}"#), "type")
    }
}
