/// What a risk score weighs, each measured from a user's ledger as a whole
/// number (ratios in basis points), so a recomputation gives the same score.
public enum RiskFactor: String, CaseIterable, Sendable {
    /// Debt service (repayments) over income, last 90 days, in basis points.
    case debtToIncome = "debt_to_income"
    /// Wallet balances over the average monthly outflow of the last 90 days,
    /// in basis points of a month (30,000: three months of cover).
    case liquidity
    /// Active debts whose last due date passed without the monthly payment.
    case overdueDebts = "overdue_debts"
    /// The largest single payer's share of the last 90 days' income, in basis points.
    case incomeConcentration = "income_concentration"
    /// Coefficient of variation of weekly income over the last 12 weeks, in basis points.
    case incomeVolatility = "income_volatility"
}

/// How bad a score is, from its model's band limits.
public enum RiskBand: String, CaseIterable, Sendable, Comparable {
    case low, medium, high, critical

    public static func < (a: RiskBand, b: RiskBand) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
