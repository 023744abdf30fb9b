import Domain
import Foundation
import XCTest

/// What the notifications worker decides about low balances, with no
/// database: which wallets it looks at, which states change, what fires.
final class LowBalanceAlertsTests: XCTestCase {
    private let usd = Currency("USD")!
    private lazy var under2000 = NotificationRules.LowBalance(ruleId: 1, threshold: .below(Money(minorUnits: 2000, currency: usd)))

    private func paid(_ id: String, from payer: String, to payee: String) -> DomainEvent {
        DomainEvent(
            eventId: id,
            .paymentCompleted(
                PaymentFacts(
                    PaymentCommand(commandId: "c-\(id)", payer: payer, payee: payee, amount: Money(minorUnits: 100, currency: usd)),
                    users: [payer: "owner of \(payer)", payee: "owner of \(payee)"])),
            occurredAt: Date(timeIntervalSince1970: 0), commandId: "c-\(id)")
    }

    private func wallet(_ id: String, _ balance: Int64, version: Int64 = 5, average: Int64 = 0) -> LowBalanceAlerts.Wallet {
        LowBalanceAlerts.Wallet(id: id, balance: balance, version: version, currency: usd, thirtyDayAverage: average)
    }

    private func states(_ entries: [(String, Bool, Int64)], rule: Int64 = 1) -> [String: LowBalanceAlerts.State] {
        Dictionary(
            uniqueKeysWithValues: entries.map { (LowBalanceAlerts.key(rule: rule, wallet: $0.0), .init(below: $0.1, version: $0.2)) })
    }

    func testTheLastEventToMoveAWalletNamesItsAlertAndOnlyOutflowsAreDrawn() {
        let moved = LowBalanceAlerts.moved(by: [paid("e1", from: "w1", to: "w2"), paid("e2", from: "w3", to: "w1")])
        XCTAssertEqual(moved.drawn, ["w1", "w3"])
        XCTAssertEqual(moved.cause["w1"]?.event.eventId, "e2")
        XCTAssertEqual(moved.cause["w1"]?.user, "owner of w1")
        XCTAssertEqual(Set(moved.cause.keys), ["w1", "w2", "w3"])
    }

    func testFallingBelowChangesTheStateAndFiresOnceNamingTheWalletAndTheLimit() {
        let moved = LowBalanceAlerts.moved(by: [paid("e1", from: "w1", to: "w2")])
        let decision = LowBalanceAlerts.decide(
            [wallet("w1", 1500)], rules: [under2000], states: states([("w1", false, 4)]), moved: moved)
        XCTAssertEqual(decision.changes, [.init(ruleId: 1, wallet: "w1", state: .init(below: true, version: 5))])
        XCTAssertEqual(decision.notices.map(\.user), ["owner of w1"])
        XCTAssertEqual(decision.notices.first?.kind, "low_balance")
        XCTAssertEqual(decision.notices.first?.eventId, "e1")
        XCTAssertEqual(decision.notices.first?.text, "Your wallet w1 is low: its balance $15.00 is below $20.00.")
    }

    func testStayingOnTheSameSideOrAnOlderVersionDecidesNothing() {
        let moved = LowBalanceAlerts.moved(by: [paid("e1", from: "w1", to: "w2"), paid("e2", from: "w3", to: "w4")])
        let decision = LowBalanceAlerts.decide(
            [wallet("w1", 1500), wallet("w3", 100, version: 5)], rules: [under2000],
            states: states([("w1", true, 4), ("w3", false, 5)]), moved: moved)
        XCTAssertEqual(decision, .init(), "w1 was below already; w3's state has seen version 5")
    }

    func testRecoveringRearmsWithoutAnAlert() {
        let moved = LowBalanceAlerts.moved(by: [paid("e1", from: "w9", to: "w1")])
        let decision = LowBalanceAlerts.decide(
            [wallet("w1", 2500)], rules: [under2000], states: states([("w1", true, 4)]), moved: moved)
        XCTAssertEqual(decision.changes, [.init(ruleId: 1, wallet: "w1", state: .init(below: false, version: 5))])
        XCTAssertTrue(decision.notices.isEmpty)
    }

    func testAPercentageRuleComparesWithTheWalletsAverageAndSaysSo() {
        let rule = NotificationRules.LowBalance(ruleId: 2, threshold: .percentOfThirtyDayAverage(20))
        let moved = LowBalanceAlerts.moved(by: [paid("e1", from: "w1", to: "w2")])
        let decision = LowBalanceAlerts.decide(
            [wallet("w1", 1999, average: 10_000)], rules: [rule], states: states([("w1", false, 0)], rule: 2), moved: moved)
        XCTAssertEqual(
            decision.notices.map(\.text),
            ["Your wallet w1 is low: its balance $19.99 is below $20.00 (20 % of its 30-day average, $100.00)."])
    }

    func testAWalletNoEventMovedOrWithoutAStateIsLeftAlone() {
        let moved = LowBalanceAlerts.moved(by: [paid("e1", from: "w1", to: "w2")])
        let decision = LowBalanceAlerts.decide(
            [wallet("w7", 0), wallet("w1", 0)], rules: [under2000], states: states([("w7", false, 0)]), moved: moved)
        XCTAssertEqual(decision, .init(), "w7 was not moved; w1 has no state (the worker claims one first)")
    }
}
