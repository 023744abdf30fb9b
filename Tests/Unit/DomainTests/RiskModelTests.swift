import Domain
import Foundation
import XCTest

/// The pure scoring: every factor at and around its thresholds, the bands at
/// their limits, and each factor measured from ledger movements.
final class RiskModelTests: XCTestCase {
    private let model = RiskModel(
        version: 1, currency: Currency("USD")!,
        rules: [
            .init(.debtToIncome, weight: 30, good: 1000, bad: 5000),
            .init(.liquidity, weight: 25, good: 30000, bad: 2500),
            .init(.overdueDebts, weight: 20, good: 0, bad: 2),
            .init(.incomeConcentration, weight: 10, good: 4000, bad: 10000),
            .init(.incomeVolatility, weight: 15, good: 3000, bad: 15000),
        ], bands: .init(medium: 25, high: 50, critical: 75))
    private let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-17
    private let day: TimeInterval = 86_400

    private func rule(_ factor: RiskFactor) -> RiskModel.Rule { model.rules.first { $0.factor == factor }! }

    func testEachFactorAddsNoPointsAtItsGoodThresholdAndAllAtItsBad() {
        for rule in model.rules {
            let step: Int64 = rule.good < rule.bad ? 1 : -1
            XCTAssertEqual(rule.points(rule.good - step), 0, "\(rule.factor) better than good")
            XCTAssertEqual(rule.points(rule.good), 0, "\(rule.factor) at good")
            XCTAssertGreaterThan(
                rule.points(rule.good + step * max(1, abs(rule.bad - rule.good) / 100)), 0, "\(rule.factor) just past good")
            XCTAssertLessThan(rule.points(rule.bad - step), 100, "\(rule.factor) just before bad")
            XCTAssertEqual(rule.points(rule.bad), 100, "\(rule.factor) at bad")
            XCTAssertEqual(rule.points(rule.bad + step), 100, "\(rule.factor) past bad")
        }
        XCTAssertEqual(rule(.debtToIncome).points(3000), 50, "halfway, linearly")
        XCTAssertEqual(rule(.liquidity).points(16250), 50, "higher is better: halfway down")
        XCTAssertEqual(rule(.overdueDebts).points(1), 50)
    }

    func testBandsChangeExactlyAtTheirLimits() {
        let bands = model.bands
        XCTAssertEqual(
            [0, 24, 25, 49, 50, 74, 75, 100].map(bands.band(of:)),
            [.low, .low, .medium, .medium, .high, .high, .critical, .critical])
    }

    func testTheScoreIsThePointsAveragedByWeightRoundedHalfUp() {
        // debt_to_income 50 points x 30 = 1500 of 10,000: 15.
        let half = model.score([.debtToIncome: 3000, .liquidity: 30000])
        XCTAssertEqual(half.score, 15)
        XCTAssertEqual(half.band, .low)
        XCTAssertEqual(half.parts.first { $0.factor == .debtToIncome }?.contributionHundredths, 1500)
        // 1 overdue debt: 50 x 20 = 1000, plus 1 point of volatility x 15 = 15: 10.15 rounds to 10.
        XCTAssertEqual(model.score([.liquidity: 30000, .overdueDebts: 1, .incomeVolatility: 3120]).score, 10)
        // 50 x 25 (liquidity halfway) = 1250 -> 12.5 rounds up to 13.
        XCTAssertEqual(model.score([.liquidity: 16250]).score, 13)
        let worst = model.score([
            .debtToIncome: 9999, .liquidity: 0, .overdueDebts: 3, .incomeConcentration: 10000, .incomeVolatility: 20000,
        ])
        XCTAssertEqual(worst.score, 100)
        XCTAssertEqual(worst.band, .critical)
        XCTAssertEqual(worst.modelVersion, 1)
    }

    private func income(_ amount: Int64, daysAgo: Double, from payer: String = "client") -> RiskEvidence.Movement {
        .init(amount: amount, at: now - daysAgo * day, kind: "payment", counterparty: payer)
    }

    func testDebtToIncomeCountsRepaymentsOverIncomeInsideNinetyDays() {
        let repayment = RiskEvidence.Movement(amount: -300, at: now - 10 * day, kind: "debt_repayment", counterparty: "lender.bank.USD")
        let old = income(1_000_000, daysAgo: 90)  // exactly 90 days: outside the window
        let values = RiskEvidence(movements: [income(1000, daysAgo: 89.9), repayment, old], balance: 0, debts: []).values(asOf: now)
        XCTAssertEqual(values[.debtToIncome], 3000)
        XCTAssertEqual(
            RiskEvidence(movements: [repayment], balance: 0, debts: []).values(asOf: now)[.debtToIncome], RiskEvidence.unbounded,
            "repaying with no income is the worst there is")
        XCTAssertEqual(RiskEvidence(movements: [], balance: 0, debts: []).values(asOf: now)[.debtToIncome], 0)
    }

    func testLiquidityIsMonthsOfAverageOutflowAndOwnTransfersAreNeitherIncomeNorOutflow() {
        let spent = RiskEvidence.Movement(amount: -3000, at: now - day, kind: "payment", counterparty: "shop")
        let own = RiskEvidence.Movement(amount: -50_000, at: now - day, kind: "payment", counterparty: "me", ownTransfer: true)
        // 3000 over 90 days is 1000 a month; a balance of 2000 covers two months.
        XCTAssertEqual(RiskEvidence(movements: [spent, own], balance: 2000, debts: []).values(asOf: now)[.liquidity], 20000)
        XCTAssertEqual(RiskEvidence(movements: [], balance: 1, debts: []).values(asOf: now)[.liquidity], RiskEvidence.unbounded)
        XCTAssertEqual(RiskEvidence(movements: [], balance: 0, debts: []).values(asOf: now)[.liquidity], 0)
    }

    func testConcentrationIsTheLargestPayersShare() {
        let values = RiskEvidence(
            movements: [
                income(600, daysAgo: 1, from: "a"), income(300, daysAgo: 2, from: "b"),
                income(100, daysAgo: 3, from: "a"),
            ], balance: 0, debts: []
        ).values(asOf: now)
        XCTAssertEqual(values[.incomeConcentration], 7000)
        XCTAssertEqual(RiskEvidence(movements: [], balance: 0, debts: []).values(asOf: now)[.incomeConcentration], 0)
    }

    func testVolatilityIsTheCoefficientOfVariationOfTwelveWeeks() {
        let steady = (0..<12).map { income(100, daysAgo: Double($0) * 7 + 1) }
        XCTAssertEqual(RiskEvidence(movements: steady, balance: 0, debts: []).values(asOf: now)[.incomeVolatility], 0)
        // All in one week of twelve: mean 100/12, deviation sqrt(11) times the mean.
        let lumpy = [income(1200, daysAgo: 1)]
        XCTAssertEqual(RiskEvidence(movements: lumpy, balance: 0, debts: []).values(asOf: now)[.incomeVolatility], 33166)
        // The 13th week back is outside the twelve.
        XCTAssertEqual(
            RiskEvidence(movements: steady + [income(5000, daysAgo: 85)], balance: 0, debts: []).values(asOf: now)[.incomeVolatility], 0)
    }

    func testADebtIsOverdueOnlyOnceItsDueDatePassedWithoutTheMonthlyPayment() {
        let start = CalendarDay(iso: "2026-09-01")!
        func debt(_ repayments: [(String, Int64)]) -> RiskEvidence.DebtStanding {
            .init(monthlyPayment: 500, dueDay: 15, startDate: start, repayments: repayments.map { (CalendarDay(iso: $0.0)!, $0.1) })
        }
        let onDueDay = CalendarDay(iso: "2026-11-15")!
        let dayAfter = CalendarDay(iso: "2026-11-16")!
        XCTAssertFalse(debt([("2026-10-10", 500)]).isOverdue(on: onDueDay), "November's due date has not passed on its day")
        XCTAssertTrue(debt([("2026-10-15", 500)]).isOverdue(on: dayAfter), "October's payment does not cover November's due date")
        XCTAssertFalse(debt([("2026-10-16", 500)]).isOverdue(on: dayAfter), "paid after October 15 and by November 15")
        XCTAssertFalse(debt([("2026-11-15", 500)]).isOverdue(on: dayAfter), "paid on the due date")
        XCTAssertTrue(debt([("2026-11-10", 499)]).isOverdue(on: dayAfter), "one unit short")
        XCTAssertFalse(debt([("2026-11-01", 200), ("2026-11-10", 300)]).isOverdue(on: dayAfter), "two repayments add up")
        let young = RiskEvidence.DebtStanding(monthlyPayment: 500, dueDay: 15, startDate: CalendarDay(iso: "2026-11-15")!, repayments: [])
        XCTAssertFalse(young.isOverdue(on: dayAfter), "no due date after the start has passed")
        let shortMonth = RiskEvidence.DebtStanding(monthlyPayment: 500, dueDay: 31, startDate: start, repayments: [])
        XCTAssertFalse(shortMonth.isOverdue(on: CalendarDay(iso: "2026-09-30")!), "the 31st falls on the 30th: not yet passed")
        XCTAssertTrue(shortMonth.isOverdue(on: CalendarDay(iso: "2026-10-01")!))
    }

    func testLargePaymentsAndEveryRepaymentTriggerARecalculationOfTheirUsers() {
        let usd = Currency("USD")!
        func payment(_ amount: Int64) -> EventPayload {
            .paymentCompleted(
                PaymentFacts(
                    PaymentCommand(commandId: "c", payer: "w1", payee: "w2", amount: Money(minorUnits: amount, currency: usd)),
                    users: ["w1": "u1", "w2": "u2"]))
        }
        XCTAssertEqual(payment(99_999).riskSubjects(largePayment: 100_000), [])
        XCTAssertEqual(payment(100_000).riskSubjects(largePayment: 100_000), ["u1", "u2"])
        XCTAssertEqual(
            EventPayload.debtPaidOff(DebtPaidOff(debtId: "d", borrower: "u3", currency: usd)).riskSubjects(largePayment: 0), ["u3"])
        XCTAssertEqual(
            EventPayload.riskChanged(RiskChanged(userId: "u1", fromBand: .low, toBand: .high, score: 60)).riskSubjects(largePayment: 0), [])
        // The open world: a funding and a cancellation rescore the client, a debt opened its borrower.
        let funded = EventPayload.milestoneFunded(
            MilestoneFunded(
                projectId: "p", milestoneId: "m", client: "u1", freelancer: "u2", wallet: "w1", amount: Money(minorUnits: 5, currency: usd),
                escrow: 5, milestoneAmount: 10))
        let cancelled = EventPayload.milestoneCancelled(
            MilestoneCancelled(
                projectId: "p", milestoneId: "m", client: "u1", freelancer: "u2", by: "operator", actor: "ops", reason: "r", currency: usd,
                returned: []))
        let refused = EventPayload.milestoneFundingRejected(
            MilestoneRefused(projectId: "p", milestoneId: "m", client: "u1", reason: "overfunded", detail: "d"))
        XCTAssertEqual([funded, cancelled, refused].map { $0.riskSubjects(largePayment: 0) }, [["u1"], ["u1"], []])
    }
}
