/// Money as people read it, by the currency's ISO 4217 exponent: "$10.93",
/// "¥1,093", "1.093 KWD", "-€0.05". The one formatter for every text meant
/// for a person; data and JSON keep integer minor units and the code.
extension Money {
    public var text: String {
        let magnitude = minorUnits.magnitude
        let scale = UInt64(currency.minorUnitsPerUnit)
        let whole = Array(String(magnitude / scale))
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        if currency.exponent > 0 {
            let fraction = String(magnitude % scale)
            grouped += "." + String(repeating: "0", count: currency.exponent - fraction.count) + fraction
        }
        let sign = minorUnits < 0 ? "-" : ""
        if let symbol = currency.symbol { return sign + symbol + grouped }
        return sign + grouped + " " + currency.code
    }
}

extension Money {
    /// Minor units of a currency by its code (as the database keeps it), as
    /// people read them; a code that is not ISO 4217 is written as it is.
    public static func text(_ minorUnits: Int64, _ code: String) -> String {
        Currency(code).map { $0.text(minorUnits) } ?? "\(minorUnits) \(code) minor units"
    }
}

extension Currency {
    /// An amount of this currency as people read it (`Money.text`).
    public func text(_ minorUnits: Int64) -> String { Money(minorUnits: minorUnits, currency: self).text }

    /// Decimal places of its minor unit (ISO 4217): 2 unless listed.
    public var exponent: Int {
        if Self.noMinorUnit.contains(code) { return 0 }
        if Self.thousandths.contains(code) { return 3 }
        return 2
    }

    /// 10 to the exponent: minor units in one unit.
    public var minorUnitsPerUnit: Int64 { (0..<exponent).reduce(1) { scale, _ in scale * 10 } }

    /// The sign people know it by, where that sign is its alone; other
    /// currencies are written with their code after the amount.
    public var symbol: String? { Self.symbols[code] }

    static let noMinorUnit: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    ]
    static let thousandths: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    static let symbols: [String: String] = ["USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "NGN": "₦"]
}
