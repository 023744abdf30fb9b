import XCTest

@testable import Domain

/// What a restricted key may move: the debit each command makes, and the
/// decision a key's accounts and ceilings give it. No I/O.
final class KeyLimitsTests: XCTestCase {
    private let usd = Currency("USD")!
    private let eur = Currency("EUR")!

    private func debit(_ json: String) throws -> Debit? {
        let body = Array(json.utf8)
        let fields = try MessageFields(body: body)
        switch CommandType(rawValue: try fields.string("type")) {
        case .payment?: return try PaymentCommand(body: body).debit
        case .milestoneFund?, .milestoneComplete?: return try MilestoneCommand(body: body).debit
        case .debtOpen?, .debtRepayment?: return try DebtCommand(body: body).debit
        case .withdrawal?, .deposit?: return try AccountCommand(body: body).debit
        default: return nil
        }
    }

    func testEveryCommandThatTakesMoneyOutOfAnAccountNamesItsDebit() throws {
        XCTAssertEqual(
            try debit(#"{"command_id":"p1","type":"payment","payer":"w1","payee":"w2","amount":1500,"currency":"USD"}"#),
            Debit(account: "w1", amount: 1500, currency: usd))
        XCTAssertEqual(
            try debit(#"{"command_id":"f1","type":"milestone.fund","project_id":"p","milestone_id":"m","from_account":"w3","amount":900}"#),
            Debit(account: "w3", amount: 900, currency: nil), "a funding is in its project's currency, looked up at the door")
        XCTAssertEqual(
            try debit(#"{"command_id":"r1","type":"debt.repayment","debt_id":"d","wallet":"w4","amount":700,"currency":"EUR"}"#),
            Debit(account: "w4", amount: 700, currency: eur))
        XCTAssertEqual(
            try debit(
                #"{"command_id":"x1","type":"withdrawal","account":"w5","amount":300,"currency":"USD","gateway":"g","destination":"iban"}"#),
            Debit(account: "w5", amount: 300, currency: usd))
        let opening = """
            {"command_id":"o1","type":"debt.open","debt_id":"d2","borrower_id":"u1","account":"w6","lender":"acme","currency":"USD",
             "principal":100000,"annual_rate_bps":900,"monthly_payment":10000,"due_day":15,"business":false,"disburse":%@}
            """
        XCTAssertEqual(
            try debit(opening.replacingOccurrences(of: "%@", with: "true")),
            Debit(account: "lender.acme.USD", amount: 100_000, currency: usd), "a disbursement debits the lender's account")
        XCTAssertNil(try debit(opening.replacingOccurrences(of: "%@", with: "false")), "nothing is paid out")
        XCTAssertNil(
            try debit(#"{"command_id":"d1","type":"deposit","account":"w1","amount":5,"currency":"USD","gateway":"g","external_id":"e"}"#),
            "a deposit debits no account of a user")
    }

    func testAKeyBoundToAccountsIsRefusedAnyOtherAndHeldAboveItsCeiling() {
        let limits = KeyLimits(debitAccounts: ["w1", "w2"], ceilings: [usd: 50_000])
        XCTAssertEqual(limits.decide(Debit(account: "w3", amount: 1, currency: usd)), .outsideAccounts(account: "w3"))
        XCTAssertEqual(limits.decide(Debit(account: "w1", amount: 50_000, currency: usd)), .within, "at the ceiling")
        XCTAssertEqual(
            limits.decide(Debit(account: "w1", amount: 50_001, currency: usd)),
            .aboveCeiling(ceiling: Money(minorUnits: 50_000, currency: usd)))
        XCTAssertEqual(limits.decide(Debit(account: "w2", amount: 9_000_000, currency: eur)), .within, "no ceiling for EUR")
        XCTAssertEqual(
            limits.decide(Debit(account: "w1", amount: 60_000, currency: nil), currency: usd),
            .aboveCeiling(ceiling: Money(minorUnits: 50_000, currency: usd)), "the looked-up currency's ceiling")
        XCTAssertEqual(
            limits.decide(Debit(account: "w3", amount: 60_000, currency: usd)), .outsideAccounts(account: "w3"),
            "an account outside the key is refused, whatever the amount")
    }

    func testAKeyWithoutLimitsMayMoveAnything() {
        XCTAssertEqual(KeyLimits.none.decide(Debit(account: "any", amount: .max, currency: usd)), .within)
        XCTAssertEqual(
            KeyLimits(ceilings: [usd: 10]).decide(Debit(account: "any", amount: 11, currency: usd)),
            .aboveCeiling(ceiling: Money(minorUnits: 10, currency: usd)), "a ceiling alone binds every account")
    }
}
