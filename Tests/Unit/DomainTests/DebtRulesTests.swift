import Domain
import XCTest

/// Interest, repayment splits, payoff and the schedule: the pure rules.
final class DebtRulesTests: XCTestCase {
    private let usd = Currency("USD")!

    private func day(_ iso: String) -> CalendarDay { CalendarDay(iso: iso)! }

    private func debt(
        principal: Int64 = 100_000, rateBps: Int64 = 1_200, from: String = "2026-01-01", monthly: Int64 = 10_000,
        dueDay: Int = 15
    ) -> Debt {
        Debt(
            id: "d1", borrower: "u1", lenderAccount: "lender.bank.USD", currency: usd, principal: principal, interestCarried: 0,
            interestFrom: day(from), annualRateBasisPoints: rateBps, monthlyPayment: monthly, dueDay: dueDay, business: true,
            status: .active)
    }

    func testDaysAcrossAMonthEndALeapDayAndAYearEnd() {
        XCTAssertEqual(day("2026-01-31").days(to: day("2026-02-01")), 1)
        XCTAssertEqual(day("2028-02-28").days(to: day("2028-03-01")), 2, "2028 is a leap year")
        XCTAssertEqual(day("2026-02-28").days(to: day("2026-03-01")), 1)
        XCTAssertEqual(day("2026-12-31").days(to: day("2027-01-01")), 1)
        XCTAssertEqual(day("2026-01-01").days(to: day("2027-01-01")), 365)
        XCTAssertEqual(day("2028-01-01").days(to: day("2029-01-01")), 366)
        XCTAssertEqual(CalendarDay(Date(timeIntervalSince1970: 86_400 * 20_000 + 86_399)).iso, "2024-10-04")
        XCTAssertNil(CalendarDay(iso: "2026-02-29"))
        XCTAssertEqual(day("2026-01-31").addingMonths(1), day("2026-02-28"))
        XCTAssertEqual(day("2027-12-31").addingMonths(2), day("2028-02-29"))
    }

    func testInterestAccruesDailyOnActual365() {
        // 100,000 at 12 %: 32.8767 a day.
        XCTAssertEqual(debt().interest(on: day("2026-01-02")), 33)
        // Across a month end: Jan 31 → Feb 2, 32 days from Jan 1.
        XCTAssertEqual(debt().interest(on: day("2026-02-02")), 1_052)  // 1052.05
        // Across a leap day: 2028-02-28 → 2028-03-01 is 2 days.
        XCTAssertEqual(debt(from: "2028-02-28").interest(on: day("2028-03-01")), 66)  // 65.75
        // Across a year end: 2026-12-31 → 2027-01-01.
        XCTAssertEqual(debt(from: "2026-12-31").interest(on: day("2027-01-01")), 33)
        // A whole year is exactly the rate.
        XCTAssertEqual(debt().interest(on: day("2027-01-01")), 12_000)
        // No interest for a day before the start.
        XCTAssertEqual(debt().interest(on: day("2025-12-01")), 0)
    }

    func testRoundingIsHalfToEven() {
        // principal × bps × days / 3,650,000 exactly .5: rounds to the even neighbour.
        XCTAssertEqual(Debt.accrual(principal: 1_825_000, annualRateBasisPoints: 1, days: 1), 0)  // 0.5
        XCTAssertEqual(Debt.accrual(principal: 5_475_000, annualRateBasisPoints: 1, days: 1), 2)  // 1.5
        XCTAssertEqual(Debt.accrual(principal: 9_125_000, annualRateBasisPoints: 1, days: 1), 2)  // 2.5
        XCTAssertEqual(Debt.accrual(principal: 9_125_001, annualRateBasisPoints: 1, days: 1), 3)  // just above 2.5
        // principal × bps × days overflows 64 bits here; the intermediate is 128.
        XCTAssertEqual(Debt.accrual(principal: 1_000_000_000_000_000, annualRateBasisPoints: 10_000, days: 365), 1_000_000_000_000_000)
    }

    func testARepaymentPaysInterestFirst() {
        // 30 days at 12 % on 100,000: 986.30 → 986 of interest.
        let (split, after) = debt().repaying(5_000, on: day("2026-01-31"))
        XCTAssertEqual(split.interest, 986)
        XCTAssertEqual(split.principal, 4_014)
        XCTAssertEqual(after.principal, 95_986)
        XCTAssertEqual(after.interestFrom, day("2026-01-31"))
        // Less than the interest: principal untouched, the rest carried.
        let (small, carried) = debt().repaying(500, on: day("2026-01-31"))
        XCTAssertEqual(small.principal, 0)
        XCTAssertEqual(carried.interestCarried, 486)
        XCTAssertEqual(carried.interest(on: day("2026-01-31")), 486)
    }

    func testThePayoffIsExactToTheCent() {
        let payoff = debt().payoff(on: day("2026-03-17"))
        XCTAssertEqual(payoff, 100_000 + 2_466)  // 75 days: 2,465.75 of interest
        let (split, after) = debt().repaying(payoff, on: day("2026-03-17"))
        XCTAssertEqual(split.remainingPrincipal, 0)
        XCTAssertEqual(split.interestLeft, 0)
        XCTAssertEqual(after.status, .paidOff)
    }

    func testAnOverpaymentIsRejectedStatingThePayoff() {
        let wallet = AccountState(id: "w1", userId: "u1", isWallet: true, currency: "USD", balance: 1_000_000, status: .open)
        let command = DebtRepayment(
            commandId: "c1", debtId: "d1", wallet: "w1", amount: Money(minorUnits: 200_000, currency: usd),
            acceptedOn: day("2026-01-31"))
        let plan = RepaymentPlan(commands: [command], debts: ["d1": debt()], wallets: ["w1": wallet])
        guard case .rejected(_, let reason, let event) = plan.outcomes[0] else { return XCTFail("\(plan.outcomes)") }
        XCTAssertEqual(reason, .abovePayoff)
        XCTAssertTrue(event.detail.contains("is $1,009.86; the repayment is $2,000.00"), event.detail)
        XCTAssertTrue(plan.balanceChanges.isEmpty)
    }

    func testAFrozenWalletRepaysNothingAndAClosedOneNeither() {
        func wallet(_ id: String, _ status: AccountStatus) -> AccountState {
            AccountState(id: id, userId: "u1", isWallet: true, currency: "USD", balance: 1_000_000, status: status)
        }
        let commands = ["wf", "wc"].map {
            DebtRepayment(
                commandId: $0, debtId: "d1", wallet: $0, amount: Money(minorUnits: 1_000, currency: usd), acceptedOn: day("2026-01-31"))
        }
        let plan = RepaymentPlan(
            commands: commands, debts: ["d1": debt()], wallets: ["wf": wallet("wf", .frozen), "wc": wallet("wc", .closed)])
        XCTAssertEqual(
            plan.outcomes.map { if case .rejected(_, let reason, _) = $0 { reason.rawValue } else { "repaid" } },
            ["account_frozen", "wallet_closed"])
        XCTAssertTrue(plan.balanceChanges.isEmpty)
    }

    func testARepaymentBatchRunsInOrderToPaidOff() {
        let wallet = AccountState(id: "w1", userId: "u1", isWallet: true, currency: "USD", balance: 1_000_000, status: .open)
        let other = AccountState(id: "w2", userId: "u2", isWallet: true, currency: "USD", balance: 1_000_000, status: .open)
        func pay(_ id: String, _ amount: Int64, from: String = "w1", on: String = "2026-01-31") -> DebtRepayment {
            DebtRepayment(commandId: id, debtId: "d1", wallet: from, amount: Money(minorUnits: amount, currency: usd), acceptedOn: day(on))
        }
        let plan = RepaymentPlan(
            commands: [pay("1", 50_000), pay("2", 1, from: "w2"), pay("3", 50_986), pay("4", 1)],
            debts: ["d1": debt()], wallets: ["w1": wallet, "w2": other])
        let reasons = plan.outcomes.map { if case .rejected(_, let r, _) = $0 { r.rawValue } else { "ok" } }
        XCTAssertEqual(reasons, ["ok", "not_borrowers_wallet", "ok", "already_paid_off"])
        XCTAssertEqual(plan.debts["d1"]?.status, .paidOff)
        XCTAssertEqual(plan.balanceChanges, ["w1": -100_986])
        XCTAssertEqual(plan.lenderCredits, ["lender.bank.USD": 100_986])
        guard case .repaid(_, _, let paidOff) = plan.outcomes[2] else { return XCTFail() }
        XCTAssertTrue(paidOff)
        XCTAssertEqual(plan.outcomes[2].events.map(\.type), [.debtRepaid, .debtPaidOff])
    }

    func testTheScheduleEndsAtZeroAndMatchesRepayingOnEachDay() throws {
        let start = debt(principal: 100_000, rateBps: 1_999, monthly: 8_888, dueDay: 31)
        let schedule = try AmortizationSchedule(start, from: day("2026-01-10"))
        XCTAssertEqual(schedule.lines.first?.day, day("2026-01-31"))
        XCTAssertEqual(schedule.lines[1].day, day("2026-02-28"), "a due day of 31 falls on February's last")
        XCTAssertEqual(schedule.lines.last?.remaining, 0)
        XCTAssertEqual(schedule.lines.map(\.principal).reduce(0, +), 100_000)
        var current = start
        for line in schedule.lines {
            XCTAssertEqual(line.payment, line.interest + line.principal)
            let (split, after) = current.repaying(line.payment, on: line.day)
            XCTAssertEqual([split.interest, split.principal, split.remainingPrincipal], [line.interest, line.principal, line.remaining])
            current = after
        }
        XCTAssertEqual(current.status, .paidOff)
        XCTAssertLessThan(schedule.lines.last!.payment, 8_888 + 1)
    }

    func testAScheduleThatNeverEndsIsRefused() {
        XCTAssertThrowsError(try AmortizationSchedule(debt(monthly: 900), from: day("2026-01-01"))) { error in
            XCTAssertTrue("\(error)".contains("never paid off"), "\(error)")
        }
    }
}
