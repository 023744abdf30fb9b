/// An ISO 4217 currency code. Amounts are always integer minor units of it.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String

    /// nil for anything that is not an active ISO 4217 code.
    public init?(_ code: String) {
        guard Self.active.contains(code) else { return nil }
        self.code = code
    }

    public var description: String { code }

    static let active: Set<String> = [
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD",
        "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY",
        "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
        "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
        "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
        "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
        "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK",
        "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
        "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
        "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF",
        "XPF", "YER", "ZAR", "ZMW", "ZWL",
    ]
}

/// An exact amount: integer minor units of one currency.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Parses a decimal the way a person types it ("12.34", "1000") into
    /// minor units, with at most the currency's exponent of decimals. No
    /// floating point: the digits are read as text.
    public static func parse(_ text: String, currency: Currency) -> Money? {
        let minorDigits = currency.exponent
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), whole >= 0,
            parts[0].allSatisfy(\.isNumber)
        else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= minorDigits, fraction.allSatisfy(\.isNumber) else { return nil }
        let padded = fraction.padding(toLength: minorDigits, withPad: "0", startingAt: 0)
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: currency.minorUnitsPerUnit)
        guard !overflow, let minor = Int64(padded.isEmpty ? "0" : padded) else { return nil }
        let (total, overflow2) = scaled.addingReportingOverflow(minor)
        return overflow2 ? nil : Money(minorUnits: total, currency: currency)
    }

    /// As people read it (`text`): an amount interpolated into any message reads "$10.93".
    public var description: String { text }
}
