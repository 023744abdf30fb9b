import Domain
import XCTest

/// The one formatter of money for people, over the currencies' exponents.
final class MoneyTextTests: XCTestCase {
    private func text(_ minorUnits: Int64, _ code: String) -> String {
        Money(minorUnits: minorUnits, currency: Currency(code)!).text
    }

    func testTwoDecimalsWithTheSignWhereTheCurrencyHasOne() {
        XCTAssertEqual(text(1093, "USD"), "$10.93")
        XCTAssertEqual(text(471_808, "USD"), "$4,718.08")
        XCTAssertEqual(text(5, "EUR"), "€0.05")
        XCTAssertEqual(text(100_000_000, "GBP"), "£1,000,000.00")
        XCTAssertEqual(text(0, "USD"), "$0.00")
    }

    func testNoMinorUnitAndThousandthsFollowTheirExponent() {
        XCTAssertEqual(text(1093, "JPY"), "¥1,093")
        XCTAssertEqual(text(1093, "KWD"), "1.093 KWD")
        XCTAssertEqual(text(1_234_567, "BHD"), "1,234.567 BHD")
        XCTAssertEqual(text(999, "CLP"), "999 CLP")
        XCTAssertEqual(Currency("JPY")!.exponent, 0)
        XCTAssertEqual(Currency("KWD")!.exponent, 3)
        XCTAssertEqual(Currency("CHF")!.exponent, 2)
    }

    func testWhatAPersonTypesIsReadByTheSameExponent() {
        XCTAssertEqual(Money.parse("1093", currency: Currency("JPY")!)?.minorUnits, 1093)
        XCTAssertNil(Money.parse("10.93", currency: Currency("JPY")!), "the yen has no minor unit")
        XCTAssertEqual(Money.parse("1.093", currency: Currency("KWD")!)?.minorUnits, 1093)
        XCTAssertEqual(Money.parse("10.93", currency: Currency("USD")!)?.text, "$10.93")
    }

    func testACurrencyWithoutASignOfItsOwnIsWrittenWithItsCode() {
        XCTAssertEqual(text(1093, "CHF"), "10.93 CHF")
        XCTAssertEqual(text(1093, "CAD"), "10.93 CAD", "a dollar sign would read as US dollars")
    }

    func testNegativeAmountsAndTheExtremesAreExact() {
        XCTAssertEqual(text(-1093, "USD"), "-$10.93")
        XCTAssertEqual(text(-7, "KWD"), "-0.007 KWD")
        XCTAssertEqual(text(.max, "USD"), "$92,233,720,368,547,758.07")
        XCTAssertEqual(text(.min, "JPY"), "-¥9,223,372,036,854,775,808")
    }
}
