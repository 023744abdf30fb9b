import Domain
import XCTest

/// `debt.open`: read as the contract says, and decided in order.
final class DebtOpeningTests: XCTestCase {
    private let usd = Currency("USD")!
    private let today = CalendarDay(iso: "2026-12-05")!

    private func opening(
        _ id: String, debt: String? = nil, borrower: String = "u1", account: String = "w1", lender: String = "bank",
        principal: Int64 = 100_000, rate: Int64 = 1_200, monthly: Int64 = 10_000, disburse: Bool = true
    ) -> DebtOpening {
        DebtOpening(
            commandId: id, debtId: debt ?? "d-\(id)", borrower: borrower, account: account, lender: lender,
            principal: Money(minorUnits: principal, currency: usd), annualRateBasisPoints: rate, monthlyPayment: monthly, dueDay: 15,
            business: false, startDate: nil, disburse: disburse, acceptedOn: today)
    }

    private func field(_ json: String) -> String {
        let body =
            #"{"command_id":"o","type":"debt.open","debt_id":"d","borrower_id":"u1","account":"w1","currency":"USD","business":true,"disburse":false,"principal":1000,"monthly_payment":100,"\#(json)}"#
        do {
            _ = try DebtOpening(body: Array(body.utf8))
            return "accepted"
        } catch { return error.field ?? "-" }
    }

    func testTheBodyIsReadAsTheContractSays() {
        XCTAssertEqual(field(#"lender":"bank","annual_rate_bps":0,"due_day":31"#), "accepted")
        XCTAssertEqual(field(#"lender":"Bank!","annual_rate_bps":0,"due_day":1"#), "lender")
        XCTAssertEqual(field(#"lender":"bank","annual_rate_bps":100001,"due_day":1"#), "annual_rate_bps")
        XCTAssertEqual(field(#"lender":"bank","annual_rate_bps":0,"due_day":32"#), "due_day")
        XCTAssertEqual(field(#"lender":"bank","annual_rate_bps":0,"due_day":1,"start_date":"someday"#), "start_date")
    }

    func testEachRejectionReasonAndTheLenderAccountCreatedOnce() {
        let accounts = [
            "w1": AccountState(id: "w1", userId: "u1", isWallet: true, currency: "USD", balance: 0, status: .frozen),
            "w2": AccountState(id: "w2", userId: "u2", isWallet: true, currency: "USD", balance: 0, status: .open),
            "we": AccountState(id: "we", userId: "u1", isWallet: true, currency: "EUR", balance: 0, status: .open),
            "wx": AccountState(id: "wx", userId: "u1", isWallet: true, currency: "USD", balance: 0, status: .closed),
            "lender.fake.USD": AccountState(
                id: "lender.fake.USD", userId: "u9", isWallet: true, currency: "USD", balance: 0, status: .open),
        ]
        let plan = DebtOpeningPlan(
            commands: [
                opening("1"), opening("2", debt: "d-1"), opening("3", debt: "old"), opening("4", borrower: "nobody"),
                opening("5", account: "w2"), opening("6", account: "we"), opening("7", account: "wx"), opening("8", lender: "fake"),
                opening("9", rate: 1_200, monthly: 1_000), opening("10", disburse: false),
            ],
            existingDebts: ["old"], users: ["u1", "u2"], accounts: accounts)
        XCTAssertEqual(
            plan.outcomes.map { $0.rejection?.rawValue ?? "opened" },
            [
                "opened", "debt_exists", "debt_exists", "unknown_user", "not_borrowers_wallet", "currency_mismatch", "wallet_closed",
                "invalid_lender", "payment_below_interest", "opened",
            ], "a frozen wallet still receives its disbursement")
        XCTAssertEqual(
            Set(plan.outcomes.compactMap { $0.rejection?.rawValue }), Set(CommandType.debtOpen.rejectionReasons), "every reason is reached")
        XCTAssertEqual(plan.newLenderAccounts.map(\.id), ["lender.bank.USD"], "created on first use, once")
        XCTAssertEqual(plan.walletChanges, ["w1": 100_000], "only the disbursed debt moved money")
        XCTAssertEqual(plan.lenderChanges, ["lender.bank.USD": -100_000])
    }

    /// 12 % a year on $1,000.00 accrues about $10 a month: a payment of $10.00 never pays it off, $10.50 does.
    func testAPaymentBelowTheMonthlyInterestIsRefused() {
        let accounts = ["w1": AccountState(id: "w1", userId: "u1", isWallet: true, currency: "USD", balance: 0, status: .open)]
        let plan = DebtOpeningPlan(
            commands: [opening("1", monthly: 1_000), opening("2", monthly: 1_050)], existingDebts: [], users: ["u1"], accounts: accounts)
        XCTAssertEqual(plan.outcomes.map { $0.rejection?.rawValue ?? "opened" }, ["payment_below_interest", "opened"])
    }
}
