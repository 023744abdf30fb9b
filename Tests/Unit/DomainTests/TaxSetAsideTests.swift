import Domain
import Foundation
import XCTest

/// Quarters at their edges, bracket tax, the set-aside, and the category
/// of every event kind under the default rules (migrations 0004, 0009, 0012).
final class TaxSetAsideTests: XCTestCase {
    private let usd = Currency("USD")!

    func testAMomentBelongsToTheQuarterOfItsUTCDay() {
        XCTAssertEqual(TaxRules.quarter(ofISO8601: "2026-03-31T23:59:59.999Z"), "2026-Q1")
        XCTAssertEqual(TaxRules.quarter(ofISO8601: "2026-04-01T00:00:00.000Z"), "2026-Q2")
        XCTAssertEqual(TaxRules.quarter(ofISO8601: "2026-12-31T23:59:59.999Z"), "2026-Q4")
        XCTAssertEqual(TaxRules.quarter(ofISO8601: "2027-01-01T00:00:00Z"), "2027-Q1")
        XCTAssertEqual(TaxQuarter("2026Q4"), TaxQuarter(year: 2026, quarter: 4))
        XCTAssertEqual(TaxQuarter("2026-q1")?.description, "2026-Q1")
        XCTAssertNil(TaxQuarter("2026Q5"))
        XCTAssertNil(TaxQuarter("26Q1"))
        XCTAssertEqual(TaxQuarter("2026Q3")?.yearToDate.map(\.description), ["2026-Q1", "2026-Q2", "2026-Q3"])
    }

    private let table = TaxRateTable(
        jurisdiction: "T", year: 2026, currency: Currency("USD")!,
        components: [
            "income_tax": [
                .init(from: 0, rateBasisPoints: 0), .init(from: 1000, rateBasisPoints: 1000), .init(from: 5000, rateBasisPoints: 2000),
            ],
            "flat": [.init(from: 0, rateBasisPoints: 100)],
        ])

    func testEachBracketTaxesOnlyThePartOfIncomeInsideIt() {
        XCTAssertEqual(table.tax(onAnnual: 0), 0)
        XCTAssertEqual(table.tax(onAnnual: -500), 0, "a loss owes nothing")
        XCTAssertEqual(table.tax(onAnnual: 1000), 10, "flat 1 % only: the first bracket is 0 %")
        XCTAssertEqual(table.tax(onAnnual: 1005), 11, "10.05 + 0.5 rounds half up to 11")
        XCTAssertEqual(table.tax(onAnnual: 5000), 400 + 50)
        XCTAssertEqual(table.tax(onAnnual: 5001), 400 + 50, "0.2 + 0.01 more rounds away")
        XCTAssertEqual(table.tax(onAnnual: 6000), 400 + 200 + 60)
    }

    func testTheSetAsideIsTheYearToDatesTaxLessWhatEarlierQuartersSetAside() {
        func quarter(_ text: String) -> TaxQuarter { TaxQuarter(text)! }
        // Q1 stands alone: last year's income does not count.
        let q1 = SetAside(quarter("2026Q1"), taxable: [quarter("2025Q4"): 1_000_000, quarter("2026Q1"): 2000], table: table)
        XCTAssertEqual(q1.yearToDateTaxable, 2000)
        XCTAssertEqual(q1.amount, table.tax(onAnnual: 2000))
        // Q2 pays the higher bracket its income reaches on top of Q1's.
        let q2 = SetAside(quarter("2026Q2"), taxable: [quarter("2026Q1"): 2000, quarter("2026Q2"): 4000], table: table)
        XCTAssertEqual(q2.taxable, 4000)
        XCTAssertEqual(q2.amount, table.tax(onAnnual: 6000) - table.tax(onAnnual: 2000))
        XCTAssertEqual(q2.amount, 660 - 120)
        // A loss in Q3 gives back part of what was set aside.
        let q3 = SetAside(
            quarter("2026Q3"), taxable: [quarter("2026Q1"): 2000, quarter("2026Q2"): 4000, quarter("2026Q3"): -3000],
            table: table)
        XCTAssertEqual(q3.amount, table.tax(onAnnual: 3000) - table.tax(onAnnual: 6000))
        XCTAssertLessThan(q3.amount, 0)
    }

    /// The default data of the migrations, as the tax worker loads it.
    private let defaults = TaxCategories(
        paymentRules: TaxRules([
            TaxRule(priority: 0, kind: nil, memoPattern: nil, payeeCategory: "income", payerCategory: "expense"),
            TaxRule(priority: 10, kind: "refund", memoPattern: nil, payeeCategory: "refund_paid", payerCategory: "refund_received"),
            TaxRule(priority: 20, kind: nil, memoPattern: "invoice", payeeCategory: "invoiced_income", payerCategory: "contractor_expense"),
            TaxRule(priority: 30, kind: "escrow_fund", memoPattern: nil, payeeCategory: nil, payerCategory: nil),
        ]),
        parts: [
            .ownTransfer: "non_taxable_transfer", .freelancerGross: "self_employment_income", .freelancerFee: "deductible_fees",
            .clientGross: "contractor_expense", .businessInterest: "deductible_interest", .personalInterest: nil, .principal: nil,
            .depositIncome: "income",
        ])

    private func categories(_ payload: EventPayload) -> [String] {
        payload.taxableAmounts.map { "\($0.user):\(defaults.category(of: $0, in: payload) ?? "-")" }
    }

    func testEveryEventKindHasItsTaxCategories() {
        func payment(_ payer: String, _ payee: String, kind: String = "payment", memo: String? = nil) -> EventPayload {
            .paymentCompleted(
                PaymentFacts(
                    PaymentCommand(
                        commandId: "c", payer: payer, payee: payee, amount: Money(minorUnits: 100, currency: usd),
                        kind: kind, memo: memo), users: ["w1": "u1", "w2": "u2", "w1b": "u1"]))
        }
        let split = RepaymentSplit(
            amount: Money(minorUnits: 100, currency: usd), interest: 30, principal: 70, interestLeft: 0, remainingPrincipal: 5)
        for type in EventType.allCases {
            switch type {
            case .paymentCompleted:
                XCTAssertEqual(categories(payment("w1", "w2")), ["u2:income", "u1:expense"])
                XCTAssertEqual(categories(payment("w1", "w2", memo: "Invoice 7")), ["u2:invoiced_income", "u1:contractor_expense"])
                XCTAssertEqual(categories(payment("w1", "w2", kind: "refund")), ["u2:refund_paid", "u1:refund_received"])
                XCTAssertEqual(categories(payment("w1", "w1b")), ["u1:non_taxable_transfer"], "between two wallets of one user")
                XCTAssertEqual(categories(payment("w1", "escrow.m1", kind: "escrow_fund")), ["u1:-"], "funding escrow is not taxed")
            case .milestoneCompleted:
                let release = EventPayload.milestoneCompleted(
                    MilestoneCompleted(
                        projectId: "p", milestoneId: "m", client: "u1", freelancer: "u2", wallet: "w2",
                        release: FeeSplit(gross: Money(minorUnits: 1000, currency: usd), basisPoints: 500)))
                XCTAssertEqual(categories(release), ["u2:self_employment_income", "u2:deductible_fees", "u1:contractor_expense"])
            case .debtRepaid:
                func repaid(business: Bool) -> EventPayload {
                    .debtRepaid(
                        DebtRepaid(
                            debtId: "d", borrower: "u1", wallet: "w1", lender: "l", split: split,
                            accruedTo: CalendarDay(iso: "2026-11-22")!, business: business))
                }
                XCTAssertEqual(categories(repaid(business: true)), ["u1:deductible_interest", "u1:-"])
                XCTAssertEqual(categories(repaid(business: false)), ["u1:-", "u1:-"], "personal interest and principal are not taxed")
            case .depositCompleted:
                func deposit(into purpose: AccountPurpose) -> EventPayload {
                    .depositCompleted(
                        DepositCompleted(
                            Deposit(
                                commandId: "c", account: "w1", amount: Money(minorUnits: 100, currency: usd), gateway: "g",
                                externalId: "x"), userId: "u1", purpose: purpose))
                }
                XCTAssertEqual(categories(deposit(into: .business)), ["u1:income"], "a client paid into a business wallet")
                XCTAssertEqual(categories(deposit(into: .portfolio)), ["u1:income"])
                XCTAssertEqual(categories(deposit(into: .personal)), ["u1:non_taxable_transfer"], "the owner's own money")
                XCTAssertEqual(categories(deposit(into: .savings)), ["u1:non_taxable_transfer"])
            case .withdrawalRequested, .withdrawalSettled, .withdrawalFailed:
                // The owner's own money leaving (or coming back): not counted.
                continue
            case .milestoneFunded, .milestoneCancelled, .debtOpened:
                // Escrow held and returned, and a loan's principal, are not income.
                let funded = EventPayload.milestoneFunded(
                    MilestoneFunded(
                        projectId: "p", milestoneId: "m", client: "u1", freelancer: "u2", wallet: "w1",
                        amount: Money(minorUnits: 100, currency: usd), escrow: 100, milestoneAmount: 100))
                let cancelled = EventPayload.milestoneCancelled(
                    MilestoneCancelled(
                        projectId: "p", milestoneId: "m", client: "u1", freelancer: "u2", by: "u1", actor: nil, reason: "r", currency: usd,
                        returned: [.init(wallet: "w1", amount: 100)]))
                let opened = EventPayload.debtOpened(
                    DebtOpened(
                        DebtOpening(
                            commandId: "c", debtId: "d", borrower: "u1", account: "w1", lender: "bank",
                            principal: Money(minorUnits: 100_000, currency: usd), annualRateBasisPoints: 1_000, monthlyPayment: 10_000,
                            dueDay: 1, business: true, startDate: nil, disburse: true, acceptedOn: CalendarDay(iso: "2026-12-01")!)))
                for payload in [funded, cancelled, opened] { XCTAssertEqual(payload.taxableAmounts, [], "\(payload.type)") }
                continue
            case .milestoneFundingRejected, .milestoneCancellationRejected, .debtOpeningRejected, .projectCreated, .projectRejected,
                .accountOpened, .accountFrozen, .accountUnfrozen, .accountClosed, .accountRejected, .depositRejected, .withdrawalRejected,
                .paymentRejected, .milestoneRejected, .debtPaidOff, .debtRepaymentRejected, .riskRecalculated,
                .riskChanged, .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged, .commandApproved, .commandDeclined:
                // Move no money: nothing to count (checked with a payload of each such kind below).
                continue
            }
        }
        let noMoney: [EventPayload] = [
            .debtPaidOff(DebtPaidOff(debtId: "d", borrower: "u1", currency: usd)),
            .riskChanged(RiskChanged(userId: "u1", fromBand: .low, toBand: .high, score: 60)),
            .riskRecalculated(
                RiskRecalculated(userId: "u1", score: 1, band: .low, previousBand: nil, modelVersion: 1, version: 1, requests: 1)),
            .debtRepaymentRejected(
                DebtRepaymentRejected(debtId: "d", wallet: "w1", amount: split.amount, borrower: "u1", reason: "r", detail: "d")),
            .deadLettersPurged(DeadLetterAction(actor: "ops", queue: "q", filter: "all", count: 1)),
            .withdrawalRequested(
                WithdrawalFacts(
                    withdrawalId: "wd", account: "w1", userId: "u1", amount: split.amount, gateway: "g", destination: "iban")),
        ]
        XCTAssertTrue(noMoney.allSatisfy(\.taxableAmounts.isEmpty))
    }

    func testABatchMakesAnEntryPerTaxedAmountInItsQuarterAndTotalsPerUserQuarterCurrencyAndCategory() {
        func paid(_ id: String, _ payer: String, _ payee: String, _ minor: Int64, at: String, kind: String = "payment") -> DomainEvent {
            DomainEvent(
                eventId: id,
                .paymentCompleted(
                    PaymentFacts(
                        PaymentCommand(
                            commandId: id, payer: payer, payee: payee,
                            amount: Money(minorUnits: minor, currency: usd), kind: kind),
                        users: ["w1": "u1", "w2": "u2", "w1b": "u1"])),
                occurredAt: ISO8601DateFormatter().date(from: at)!, commandId: id)
        }
        let events = [
            paid("e1", "w1", "w2", 100, at: "2026-03-31T23:59:59Z"), paid("e2", "w1", "w2", 50, at: "2026-04-01T00:00:00Z"),
            paid("e3", "w1", "w1b", 70, at: "2026-04-02T00:00:00Z"),
            paid("e4", "w1", "escrow.m1", 9, at: "2026-04-02T00:00:00Z", kind: "escrow_fund"),
        ]
        let entries = TaxEntry.of(events, categories: defaults)
        XCTAssertEqual(
            entries.map { "\($0.eventId) \($0.user) \($0.category) \($0.amount.minorUnits) \($0.quarter)" },
            [
                "e1 u2 income 100 2026-Q1", "e1 u1 expense 100 2026-Q1",
                "e2 u2 income 50 2026-Q2", "e2 u1 expense 50 2026-Q2",
                "e3 u1 non_taxable_transfer 70 2026-Q2",
            ], "escrow funding makes no entry; each amount in the quarter of its own day")
        XCTAssertEqual(
            TaxQuarterTotal.of(entries + [entries[2]]).map { "\($0.user) \($0.quarter) \($0.category) \($0.total)/\($0.entries)" },
            [
                "u1 2026-Q1 expense 100/1", "u1 2026-Q2 expense 50/1", "u1 2026-Q2 non_taxable_transfer 70/1",
                "u2 2026-Q1 income 100/1", "u2 2026-Q2 income 100/2",
            ], "one row per key, in key order")
    }
}
