/// A quarter of a year, as tax keeps it: "2026-Q4" (`TaxRules.quarter`).
public struct TaxQuarter: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let quarter: Int

    public init?(year: Int, quarter: Int) {
        guard (1...4).contains(quarter) else { return nil }
        (self.year, self.quarter) = (year, quarter)
    }

    /// "2026-Q4" or "2026Q4".
    public init?(_ text: String) {
        let parts = text.uppercased().replacingOccurrences(of: "-", with: "").split(separator: "Q", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), let quarter = Int(parts[1]) else { return nil }
        self.init(year: year, quarter: quarter)
    }

    public var description: String { "\(year)-Q\(quarter)" }

    /// The quarters of its year up to and including it.
    public var yearToDate: [TaxQuarter] { (1...quarter).map { TaxQuarter(year: year, quarter: $0)! } }

    public static func < (a: TaxQuarter, b: TaxQuarter) -> Bool { (a.year, a.quarter) < (b.year, b.quarter) }
}

/// How a category counts toward taxable income (`tax_treatments`).
public enum TaxTreatment: String, Sendable {
    case income, deduction, none
}

/// A jurisdiction's rates for a tax year: each component (income tax,
/// self-employment tax) a schedule of brackets on annual taxable income.
public struct TaxRateTable: Sendable, Equatable {
    public struct Bracket: Sendable, Equatable {
        /// Annual taxable income, minor units, from which `rateBasisPoints` applies.
        public let from: Int64
        public let rateBasisPoints: Int64

        public init(from: Int64, rateBasisPoints: Int64) { (self.from, self.rateBasisPoints) = (from, rateBasisPoints) }
    }

    public let jurisdiction: String
    public let year: Int
    public let currency: Currency
    public let components: [String: [Bracket]]

    public init(jurisdiction: String, year: Int, currency: Currency, components: [String: [Bracket]]) {
        (self.jurisdiction, self.year, self.currency) = (jurisdiction, year, currency)
        self.components = components.mapValues { $0.sorted { $0.from < $1.from } }
    }

    /// Tax on an annual taxable income: each bracket's rate on the part of
    /// the income inside it, every component added, rounded half up to a
    /// minor unit once at the end. Nothing on zero or a loss.
    public func tax(onAnnual income: Int64) -> Int64 {
        guard income > 0 else { return 0 }
        var basisPointUnits: Int64 = 0  // minor units x basis points
        for brackets in components.values {
            for (index, bracket) in brackets.enumerated() where income > bracket.from {
                let top = index + 1 < brackets.count ? min(income, brackets[index + 1].from) : income
                basisPointUnits += (top - bracket.from) * bracket.rateBasisPoints
            }
        }
        return (basisPointUnits + 5_000) / 10_000
    }
}

/// The estimated set-aside of a quarter: brackets are annual, so the year's
/// taxable income to date is taxed and what earlier quarters already set
/// aside is taken off. A new year starts from nothing (Q1 stands alone).
public struct SetAside: Sendable, Equatable {
    public let quarter: TaxQuarter
    /// Taxable income of the quarter alone, and of its year through it.
    public let taxable: Int64
    public let yearToDateTaxable: Int64
    public let yearToDateTax: Int64
    public let earlierQuartersTax: Int64
    /// What to put aside this quarter; negative when a loss this quarter
    /// means earlier set-asides were more than the year needs.
    public var amount: Int64 { yearToDateTax - earlierQuartersTax }

    /// `taxable`: each quarter's taxable income (income less deductions) in the table's currency.
    public init(_ quarter: TaxQuarter, taxable: [TaxQuarter: Int64], table: TaxRateTable) {
        let earlier = quarter.yearToDate.dropLast().reduce(0) { $0 + (taxable[$1] ?? 0) }
        self.quarter = quarter
        self.taxable = taxable[quarter] ?? 0
        self.yearToDateTaxable = earlier + self.taxable
        self.yearToDateTax = table.tax(onAnnual: yearToDateTaxable)
        self.earlierQuartersTax = table.tax(onAnnual: earlier)
    }
}
