import Domain
import XCTest

final class PaymentCommandTests: XCTestCase {
    private func body(_ json: String) -> [UInt8] { Array(json.utf8) }
    private let valid = #"{"command_id":"c1","type":"payment","payer":"w0001","payee":"w0002","amount":1234,"currency":"USD"}"#

    func testAValidCommandDecodes() throws {
        let command = try PaymentCommand(body: body(valid))
        XCTAssertEqual(command.commandId, "c1")
        XCTAssertEqual(command.amount, Money(minorUnits: 1234, currency: Currency("USD")!))
        XCTAssertEqual(command.kind, "transfer")
        XCTAssertNil(command.memo)
    }

    private func assertInvalid(_ json: String, field: String?, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PaymentCommand(body: body(json)), file: file, line: line) { error in
            let invalid = error as! InvalidMessage
            XCTAssertEqual(invalid.field, field, "\(invalid)", file: file, line: line)
            XCTAssertTrue("\(invalid)".contains(mentions), "\(invalid)", file: file, line: line)
        }
    }

    func testEachKindOfBadInputNamesItsProblem() {
        assertInvalid("not json at all", field: nil, mentions: "not valid JSON")
        assertInvalid("[1,2]", field: nil, mentions: "must be a JSON object")
        assertInvalid(
            #"{"command_id":"c1","type":"payment","payee":"w2","amount":1,"currency":"USD"}"#, field: "payer", mentions: "is required")
        assertInvalid(valid.replacingOccurrences(of: "1234", with: "-5"), field: "amount", mentions: "must be positive, got -5")
        assertInvalid(valid.replacingOccurrences(of: "1234", with: "0"), field: "amount", mentions: "must be positive")
        assertInvalid(valid.replacingOccurrences(of: "1234", with: "12.5"), field: "amount", mentions: "whole number of minor units")
        assertInvalid(valid.replacingOccurrences(of: "1234", with: "\"12\""), field: "amount", mentions: "not a string")
        assertInvalid(valid.replacingOccurrences(of: "USD", with: "XYZ"), field: "currency", mentions: "not an ISO 4217")
        assertInvalid(
            valid.replacingOccurrences(of: "\"c1\"", with: "\"\(String(repeating: "x", count: 65))\""),
            field: "command_id", mentions: "at most 64")
        assertInvalid(
            valid.replacingOccurrences(of: "\"payment\"", with: "\"debt.repayment\""), field: "type", mentions: "this queue takes")
        assertInvalid(
            valid.replacingOccurrences(of: "}", with: #","amout":5}"#), field: "amout", mentions: "not part of the message contract")
        assertInvalid(valid.replacingOccurrences(of: "}", with: #","kind":"gift"}"#), field: "kind", mentions: "not one of")
    }

    /// Two parsers of one money message must not be able to disagree.
    func testAmbiguousJSONIsRefusedWithTheRealReason() {
        assertInvalid(
            valid.replacingOccurrences(of: "}", with: #","amount":100}"#), field: "amount",
            mentions: "appears more than once")
        assertInvalid("\u{FEFF}" + valid, field: nil, mentions: "byte-order mark")
        assertInvalid(
            valid.replacingOccurrences(of: "}", with: #","memo":[[[["deep"]]]]}"#), field: "memo",
            mentions: "nested deeper than the 4 levels")
        assertInvalid(String(repeating: "[", count: 10_000), field: nil, mentions: "nested deeper")
        assertInvalid(valid.replacingOccurrences(of: "1234", with: "12x"), field: nil, mentions: "'x' where ',' or '}' was expected")
    }

    /// PostgreSQL text holds neither U+0000 nor invalid UTF-8: refused at
    /// validation, naming the field, so it never reaches SQL.
    func testTextPostgresCannotStoreIsRefusedNamingTheField() {
        assertInvalid(valid.replacingOccurrences(of: "}", with: #","memo":"a\u0000b"}"#), field: "memo", mentions: "U+0000")
        assertInvalid(valid.replacingOccurrences(of: "\"c1\"", with: #""c\u0000""#), field: "command_id", mentions: "U+0000")
        var bytes = Array(valid.replacingOccurrences(of: "}", with: #","memo":"ab"}"#).utf8)
        bytes.insert(0xC3, at: bytes.count - 3)  // a lead byte with no continuation
        XCTAssertThrowsError(try PaymentCommand(body: bytes)) { error in
            XCTAssertEqual((error as? InvalidMessage)?.field, "memo")
            XCTAssertTrue("\(error)".contains("not valid UTF-8"), "\(error)")
        }
        XCTAssertEqual(
            try PaymentCommand(body: body(valid.replacingOccurrences(of: "}", with: #","memo":"\"{,}\\ 😀"}"#))).memo,
            "\"{,}\\ 😀", "quotes, braces, commas, backslashes and emoji are fine")
    }

    /// Lengths are code points, as PostgreSQL's length() counts them, not
    /// UTF-8 bytes nor grapheme clusters.
    func testLengthsCountCodePoints() throws {
        func id(_ text: String) -> String { valid.replacingOccurrences(of: "\"c1\"", with: "\"\(text)\"") }
        XCTAssertEqual(
            try PaymentCommand(body: body(id(String(repeating: "é", count: 64)))).commandId.unicodeScalars.count, 64,
            "128 bytes, 64 code points")
        assertInvalid(id(String(repeating: "é", count: 65)), field: "command_id", mentions: "is 65 characters long")
        XCTAssertNoThrow(try PaymentCommand(body: body(id(String(repeating: "e\u{301}", count: 32)))), "32 characters, 64 code points")
        assertInvalid(id(String(repeating: "e\u{301}", count: 33)), field: "command_id", mentions: "is 66 characters long")
    }

    func testAmountsTooLargeForInt64AreRejectedNotRounded() {
        assertInvalid(valid.replacingOccurrences(of: "1234", with: "99999999999999999999"), field: "amount", mentions: "whole number")
    }

    func testMoneyParsesDecimalTextWithoutFloatingPoint() {
        let usd = Currency("USD")!
        XCTAssertEqual(Money.parse("12.34", currency: usd)?.minorUnits, 1234)
        XCTAssertEqual(Money.parse("0.1", currency: usd)?.minorUnits, 10)
        XCTAssertEqual(Money.parse("1000", currency: usd)?.minorUnits, 100_000)
        XCTAssertNil(Money.parse("1.234", currency: usd))
        XCTAssertNil(Money.parse("-1", currency: usd))
        XCTAssertNil(Money.parse("1e3", currency: usd))
        XCTAssertNil(Money.parse("92233720368547758.08", currency: usd))
    }
}

final class PaymentPlanTests: XCTestCase {
    private let usd = Currency("USD")!

    private func wallet(_ id: String, _ balance: Int64, currency: String = "USD", status: AccountStatus = .open) -> AccountState {
        AccountState(id: id, userId: "u-" + id, isWallet: true, currency: currency, balance: balance, status: status)
    }

    private func pay(_ id: String, _ from: String, _ to: String, _ amount: Int64) -> PaymentCommand {
        PaymentCommand(commandId: id, payer: from, payee: to, amount: Money(minorUnits: amount, currency: usd))
    }

    private func reasons(_ plan: PaymentPlan) -> [String] {
        plan.outcomes.map { if case .rejected(_, let r, _) = $0 { r.rawValue } else { "ok" } }
    }

    func testPaymentsApplyInOrderAgainstRunningBalances() {
        let accounts = ["a": wallet("a", 100), "b": wallet("b", 0)]
        let plan = PaymentPlan(
            commands: [pay("1", "a", "b", 60), pay("2", "a", "b", 60), pay("3", "b", "a", 60), pay("4", "a", "b", 100)],
            accounts: accounts)
        // 2 fails (40 left), 3 returns 60 (a=100), 4 then fits exactly.
        XCTAssertEqual(reasons(plan), ["ok", "insufficient_funds", "ok", "ok"])
        XCTAssertEqual(plan.balanceChanges, ["a": -100, "b": 100])
    }

    func testAHotWalletGetsOneNetChange() {
        let accounts = ["hot": wallet("hot", 0), "x": wallet("x", 1000), "y": wallet("y", 1000)]
        let plan = PaymentPlan(commands: [pay("1", "x", "hot", 10), pay("2", "y", "hot", 20), pay("3", "hot", "x", 5)], accounts: accounts)
        XCTAssertEqual(plan.balanceChanges, ["hot": 25, "x": -5, "y": -20])
    }

    func testEachRejectionReason() {
        let accounts = [
            "a": wallet("a", 100), "eur": wallet("eur", 100, currency: "EUR"), "closed": wallet("closed", 100, status: .closed),
            "fees": AccountState(id: "fees", userId: nil, isWallet: false, currency: "USD", balance: 0, status: .open),
        ]
        let plan = PaymentPlan(
            commands: [
                pay("1", "a", "a", 1), pay("2", "a", "nobody", 1), pay("3", "a", "closed", 1),
                pay("4", "a", "eur", 1), pay("5", "a", "fees", 1),
            ], accounts: accounts)
        XCTAssertEqual(reasons(plan), ["same_wallet", "unknown_wallet", "wallet_closed", "currency_mismatch", "unknown_wallet"])
        XCTAssertTrue(plan.balanceChanges.isEmpty)
    }

    func testAFrozenWalletPaysNothingButStillReceives() {
        let accounts = ["frozen": wallet("frozen", 100, status: .frozen), "b": wallet("b", 100)]
        let plan = PaymentPlan(commands: [pay("1", "frozen", "b", 10), pay("2", "b", "frozen", 10)], accounts: accounts)
        XCTAssertEqual(reasons(plan), ["account_frozen", "ok"])
        XCTAssertEqual(plan.balanceChanges, ["b": -10, "frozen": 10])
    }

    func testEventsGoToTheRightUsers() throws {
        let accounts = ["a": wallet("a", 10), "b": wallet("b", 0)]
        let plan = PaymentPlan(commands: [pay("1", "a", "b", 5), pay("2", "a", "b", 50)], accounts: accounts)
        let users = ["a": "u-a", "b": "u-b"]
        let completed = plan.outcomes[0].event(at: Date(timeIntervalSince1970: 0), users: users)
        let rejected = plan.outcomes[1].event(at: Date(timeIntervalSince1970: 0), users: users)
        XCTAssertEqual(completed.type, .paymentCompleted)
        XCTAssertEqual(completed.userIds, ["u-a", "u-b"])
        XCTAssertEqual(rejected.type, .paymentRejected)
        XCTAssertEqual(rejected.userIds, ["u-a"])
        guard case .paymentRejected(let rejection) = rejected.payload else { return XCTFail("\(rejected.payload)") }
        XCTAssertEqual(rejection.reason, "insufficient_funds")
        // What goes out reads back the same.
        XCTAssertEqual(try DomainEvent(body: completed.encoded()), completed)
    }
}

final class AuditChainTests: XCTestCase {
    private let old = try! AuditKeyRing(text: "k1 \(String(repeating: "a1", count: 32))")
    private let rotated = try! AuditKeyRing(text: "k1 \(String(repeating: "a1", count: 32))\nk2 \(String(repeating: "b2", count: 32))")

    /// Rows `from...through` continuing `rows`, under `ring`'s signing key (none: unkeyed).
    private func append(_ rows: [AuditChain.Row], through last: Int64, ring: AuditKeyRing?) -> [AuditChain.Row] {
        var rows = rows
        var previous = rows.last?.hash ?? AuditChain.genesis
        for seq in Int64(rows.count + 1)...last {
            let body = "{\"n\":\(seq)}"
            let hash = AuditChain.hash(
                previous: previous, seq: seq, eventId: "e\(seq)", eventType: "payment.completed", body: body, key: ring?.signing?.key)
            rows.append(
                .init(
                    seq: seq, eventId: "e\(seq)", eventType: "payment.completed", body: body, prevHash: previous, hash: hash,
                    keyId: ring?.signing?.id))
            previous = hash
        }
        return rows
    }

    private func firstBreak(_ rows: [AuditChain.Row], _ keys: AuditKeyRing) -> AuditChain.Break? {
        var position = AuditChain.Position.start
        return AuditChain.verify(rows, from: &position, keys: keys) ?? AuditChain.verifyEnd(position, keys: keys)
    }

    func testAnIntactChainVerifiesAcrossAnUnkeyedPastAndARotation() {
        let rows = append(append(append([], through: 3, ring: nil), through: 6, ring: old), through: 9, ring: rotated)
        XCTAssertNil(firstBreak(rows, rotated), "each segment under its own key")
        XCTAssertEqual(firstBreak(rows, old)?.seq, 7, "a key no longer configured is named")
    }

    func testAnEditIsFoundAtTheEditedRow() {
        var rows = append([], through: 5, ring: old)
        let row = rows[2]
        rows[2] = .init(
            seq: row.seq, eventId: row.eventId, eventType: row.eventType, body: "{\"n\":999}", prevHash: row.prevHash, hash: row.hash,
            keyId: row.keyId)
        XCTAssertEqual(firstBreak(rows, old)?.seq, 3)
    }

    /// Whoever holds the database but not the key edits a row and recomputes
    /// the chain from there: unkeyed, or under a key of their own.
    func testAChainRecomputedWithoutTheKeyIsFoundAtTheEditedRow() {
        let honest = append([], through: 8, ring: old)
        let forged = append(Array(honest.prefix(3)), through: 8, ring: nil)
        XCTAssertEqual(firstBreak(forged, old)?.seq, 4, "unkeyed after keyed")
        let stripped = append([], through: 8, ring: nil)
        XCTAssertEqual(firstBreak(stripped, old)?.seq, 8, "every key stripped: the newest row should be keyed")
        let guessed = try! AuditKeyRing(text: "k1 \(String(repeating: "ff", count: 32))")
        XCTAssertEqual(firstBreak(append(Array(honest.prefix(3)), through: 8, ring: guessed), old)?.seq, 4, "the key id without the key")
    }

    func testARemovalOrSwapIsFound() {
        var removed = append([], through: 5, ring: old)
        removed.remove(at: 1)
        XCTAssertEqual(firstBreak(removed, old)?.seq, 3)
        var swapped = append([], through: 5, ring: old)
        swapped.swapAt(1, 2)
        XCTAssertEqual(firstBreak(swapped, old)?.seq, 3)
    }

    func testTheKeyFileIsReadStrictly() {
        XCTAssertEqual(rotated.signing?.id, "k2", "the newest, last")
        XCTAssertThrowsError(try AuditKeyRing(text: "k1 abc")) { XCTAssertEqual(($0 as? AuditKeyError)?.line, 1) }
        XCTAssertThrowsError(try AuditKeyRing(text: "k1 \(String(repeating: "a1", count: 32))\nk1 \(String(repeating: "b2", count: 32))"))
        XCTAssertNil(try AuditKeyRing(text: "# no keys yet\n").signing)
    }
}

final class TaxRulesTests: XCTestCase {
    private let rules = TaxRules([
        TaxRule(priority: 0, kind: nil, memoPattern: nil, payeeCategory: "income", payerCategory: "expense"),
        TaxRule(priority: 10, kind: "refund", memoPattern: nil, payeeCategory: "refund_paid", payerCategory: "refund_received"),
        TaxRule(priority: 20, kind: nil, memoPattern: "invoice", payeeCategory: "invoiced_income", payerCategory: "contractor_expense"),
    ])

    func testTheMostSpecificRuleWins() {
        XCTAssertEqual(rules.categorize(kind: "transfer", memo: nil)?.payee, "income")
        XCTAssertEqual(rules.categorize(kind: "transfer", memo: nil)?.payer, "expense")
        XCTAssertEqual(rules.categorize(kind: "refund", memo: "oops")?.payee, "refund_paid")
        XCTAssertEqual(rules.categorize(kind: "refund", memo: "Invoice 17")?.payee, "invoiced_income")
        XCTAssertNil(TaxRules([]).categorize(kind: "transfer", memo: nil))
    }

    func testQuartersFollowTheCalendar() {
        XCTAssertEqual(TaxRules.quarter(ofISO8601: "2026-11-21T17:00:00Z"), "2026-Q4")
        XCTAssertEqual(TaxRules.quarter(ofISO8601: "2026-01-01T00:00:00Z"), "2026-Q1")
        XCTAssertEqual(TaxRules.quarter(ofISO8601: "2026-06-30T23:59:59Z"), "2026-Q2")
        XCTAssertNil(TaxRules.quarter(ofISO8601: "yesterday"))
    }
}
