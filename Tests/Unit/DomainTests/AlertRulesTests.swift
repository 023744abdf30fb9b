import Domain
import Foundation
import XCTest

/// Alerts: crossing and re-arming, thresholds, the 30-day average, large payments.
final class AlertRulesTests: XCTestCase {
    private let usd = Currency("USD")!

    func testAnAlertFiresOncePerCrossingAndAgainOnlyAfterRecovering() {
        var below = false
        var fired: [Int64] = []
        for balance: Int64 in [5000, 1999, 1500, 1000, 2000, 2500, 1999, 1999, 0, 2000, 1999] {
            let crossing = BalanceCrossing.evaluate(wasBelow: below, balance: balance, threshold: 2000)
            if crossing.fires { fired.append(balance) }
            below = crossing.below
        }
        XCTAssertEqual(fired, [1999, 1999, 1999], "down through 2000 three times; staying below or at 2000 fires nothing")
        XCTAssertTrue(BalanceCrossing.evaluate(wasBelow: false, balance: 0, threshold: 1).fires, "first seen already below: armed, fires")
        XCTAssertFalse(BalanceCrossing.evaluate(wasBelow: false, balance: 1, threshold: 1).fires, "at the threshold is not below it")
    }

    func testThresholdsAreAbsoluteInTheirCurrencyOrAPercentageOfTheAverage() {
        let absolute = NotificationRules.LowBalance(ruleId: 1, threshold: .below(Money(minorUnits: 2000, currency: usd)))
        XCTAssertEqual(absolute.minorUnits(currency: usd, thirtyDayAverage: 99), 2000)
        XCTAssertNil(absolute.minorUnits(currency: Currency("EUR")!, thirtyDayAverage: 99), "another currency's wallets are not compared")
        let percent = NotificationRules.LowBalance(ruleId: 2, threshold: .percentOfThirtyDayAverage(20))
        XCTAssertEqual(percent.minorUnits(currency: usd, thirtyDayAverage: 10_000), 2000)
        XCTAssertTrue(percent.needsAverage)
        XCTAssertFalse(absolute.needsAverage)
    }

    func testTheThirtyDayAverageIsOfDailyClosingBalances() {
        let today = CalendarDay(iso: "2026-11-22")!
        func daysAgo(_ days: Int) -> CalendarDay { today.adding(days: -days) }
        // Steady at 3000 for 30 days: 3000.
        XCTAssertEqual(ThirtyDayAverage.of(balance: 3000, dailyNet: [:], today: today), 3000)
        // Funded 3000 today, nothing before: 29 days at 0, today 3000.
        XCTAssertEqual(ThirtyDayAverage.of(balance: 3000, dailyNet: [today: 3000], today: today), 100)
        // 3000 until 600 was spent 10 days ago (that day and the 10 since close at 2400): (11 x 2400 + 19 x 3000) / 30.
        XCTAssertEqual(ThirtyDayAverage.of(balance: 2400, dailyNet: [daysAgo(10): -600], today: today), (11 * 2400 + 19 * 3000) / 30)
        // The 30th day back is the oldest closing counted: what moved on it is in its closing.
        XCTAssertEqual(ThirtyDayAverage.of(balance: 3000, dailyNet: [daysAgo(29): 3000], today: today), 3000)
        XCTAssertEqual(ThirtyDayAverage.of(balance: 3000, dailyNet: [daysAgo(28): 3000], today: today), 2900)
        XCTAssertEqual(
            ThirtyDayAverage.of(balance: 3000, dailyNet: [daysAgo(30): -500, daysAgo(45): 9000], today: today), 3000,
            "older movements are in every closing counted")
    }

    /// Against the definition, closing by closing, on seeded random histories.
    func testTheThirtyDayAverageEqualsTheMeanOfItsThirtyClosings() {
        let today = CalendarDay(iso: "2026-03-01")!
        var random = SeededRandom(seed: 7)
        for _ in 0..<200 {
            var dailyNet: [CalendarDay: Int64] = [:]
            for _ in 0..<Int.random(in: 0...40, using: &random) {
                dailyNet[today.adding(days: -Int.random(in: 0...40, using: &random))] = Int64.random(in: -50_000...50_000, using: &random)
            }
            let balance = Int64.random(in: -100_000...1_000_000, using: &random)
            let closings = (0..<30).map { back in
                balance - dailyNet.filter { $0.key > today.adding(days: -back) }.values.reduce(0, +)
            }
            XCTAssertEqual(ThirtyDayAverage.of(balance: balance, dailyNet: dailyNet, today: today), closings.reduce(0, +) / 30)
        }
    }

    func testALargeIncomingPaymentIsAtOrAboveItsCurrencysLimitAndNotBetweenOwnWallets() {
        let rules = NotificationRules(events: [], largeIncomingPayment: [usd: 100_000], lowBalance: [])
        func payment(_ amount: Int64, payer: String = "u1", currency: String = "USD") -> EventPayload {
            .paymentCompleted(
                PaymentFacts(
                    PaymentCommand(
                        commandId: "c", payer: "w1", payee: "w2",
                        amount: Money(minorUnits: amount, currency: Currency(currency)!)),
                    users: ["w1": payer, "w2": "u2"]))
        }
        XCTAssertNil(rules.largeIncoming(payment(99_999)))
        XCTAssertEqual(rules.largeIncoming(payment(100_000))?.user, "u2")
        XCTAssertEqual(rules.largeIncoming(payment(100_000))?.wallet, "w2")
        XCTAssertNil(rules.largeIncoming(payment(500_000, currency: "EUR")), "no limit for EUR")
        XCTAssertNil(rules.largeIncoming(payment(500_000, payer: "u2")), "moving one's own money is not income")
    }

    func testEveryEventThatMovesAWalletNamesItAndItsOwner() {
        let payment = EventPayload.paymentCompleted(
            PaymentFacts(
                PaymentCommand(commandId: "c", payer: "w1", payee: "escrow.m1", amount: Money(minorUnits: 5, currency: usd)),
                users: ["w1": "u1"]))
        XCTAssertEqual(payment.walletsMoved.map(\.wallet), ["w1"], "an escrow is not a user's wallet")
        let repaid = EventPayload.debtRepaid(
            DebtRepaid(
                debtId: "d1", borrower: "u3", wallet: "w3", lender: "lender.bank.USD",
                split: RepaymentSplit(
                    amount: Money(minorUnits: 10, currency: usd), interest: 3, principal: 7, interestLeft: 0, remainingPrincipal: 1),
                accruedTo: CalendarDay(iso: "2026-11-22")!, business: false))
        XCTAssertEqual(repaid.walletsMoved.map(\.wallet), ["w3"])
        XCTAssertEqual(repaid.walletsMoved.map(\.user), ["u3"])
        XCTAssertTrue(EventPayload.debtPaidOff(DebtPaidOff(debtId: "d1", borrower: "u3", currency: usd)).walletsMoved.isEmpty)
    }

    func testTheRulesTellEachUserOfARuledEventAndThePayeeOfALargePaymentOnce() {
        func paid(_ id: String, _ payer: String, _ payee: String, _ minor: Int64) -> DomainEvent {
            DomainEvent(
                eventId: id,
                .paymentCompleted(
                    PaymentFacts(
                        PaymentCommand(
                            commandId: id, payer: payer, payee: payee,
                            amount: Money(minorUnits: minor, currency: usd)),
                        users: ["w1": "u1", "w2": "u2", "w1b": "u1"])),
                occurredAt: Date(), commandId: id)
        }
        let rules = NotificationRules(events: [.paymentCompleted], largeIncomingPayment: [usd: 1000], lowBalance: [])
        let notices = rules.notices(for: [paid("e1", "w1", "w2", 999), paid("e2", "w1", "w2", 1000), paid("e3", "w1", "w1b", 5000)])
        XCTAssertEqual(
            notices.map { "\($0.eventId) \($0.user) \($0.kind) \($0.subject)" },
            [
                "e1 u1 event ", "e1 u2 event ",
                "e2 u1 event ", "e2 u2 event ", "e2 u2 large_incoming_payment w2",
                "e3 u1 event ",
            ], "at the limit is large; between a user's own wallets it is not, and the user is told once")
        XCTAssertEqual(notices[1].text, "You received $9.99 from w1.")
        XCTAssertEqual(
            NotificationRules(events: [], largeIncomingPayment: [:], lowBalance: []).notices(for: [paid("e4", "w1", "w2", 5000)]), [],
            "no rule, no notice")
    }
}
