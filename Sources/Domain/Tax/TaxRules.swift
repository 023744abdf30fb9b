/// A row of `tax_rules`: which categories a payment falls into (nil: not taxable).
public struct TaxRule: Sendable, Equatable {
    public let priority: Int
    public let kind: String?
    public let memoPattern: String?
    public let payeeCategory: String?
    public let payerCategory: String?

    public init(priority: Int, kind: String?, memoPattern: String?, payeeCategory: String?, payerCategory: String?) {
        self.priority = priority
        self.kind = kind
        self.memoPattern = memoPattern
        self.payeeCategory = payeeCategory
        self.payerCategory = payerCategory
    }

    func matches(kind: String, memo: String?) -> Bool {
        if let required = self.kind, required != kind { return false }
        if let pattern = memoPattern {
            guard let memo, memo.lowercased().contains(pattern.lowercased()) else { return false }
        }
        return true
    }
}

/// Picks the highest-priority matching rule (ties: the first listed).
public struct TaxRules: Sendable {
    public let rules: [TaxRule]

    public init(_ rules: [TaxRule]) {
        self.rules = rules.enumerated().sorted { ($0.element.priority, -$0.offset) > ($1.element.priority, -$1.offset) }.map(\.element)
    }

    public func categorize(kind: String, memo: String?) -> (payee: String?, payer: String?)? {
        rules.first { $0.matches(kind: kind, memo: memo) }.map { ($0.payeeCategory, $0.payerCategory) }
    }

    /// "2026-Q4" for an ISO 8601 timestamp in that quarter (UTC).
    public static func quarter(ofISO8601 timestamp: String) -> String? {
        let parts = timestamp.prefix(7).split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else { return nil }
        return "\(year)-Q\((month - 1) / 3 + 1)"
    }
}
