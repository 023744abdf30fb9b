import Foundation

/// What a user's ledger says about their risk, in the model's currency: the
/// movements on their wallets, their balances, and their active debts.
/// Pure: `values(asOf:)` is all the scoring reads, so a recomputation from
/// the same rows gives the same factors.
public struct RiskEvidence: Sendable {
    /// One ledger entry on one of the user's wallets.
    public struct Movement: Sendable {
        /// Signed: positive came in, negative went out.
        public let amount: Int64
        public let at: Date
        /// The transfer's kind (`debt_repayment` is debt service).
        public let kind: String
        /// Who paid it (for money in) or who was paid (money out): a user, or a system account.
        public let counterparty: String
        /// Between two wallets of this user: neither income nor outflow.
        public let ownTransfer: Bool

        public init(amount: Int64, at: Date, kind: String, counterparty: String, ownTransfer: Bool = false) {
            (self.amount, self.at, self.kind, self.counterparty, self.ownTransfer) = (amount, at, kind, counterparty, ownTransfer)
        }
    }

    /// An active debt and the days its repayments were accepted.
    public struct DebtStanding: Sendable {
        public let monthlyPayment: Int64
        public let dueDay: Int
        public let startDate: CalendarDay
        public let repayments: [(day: CalendarDay, amount: Int64)]

        public init(monthlyPayment: Int64, dueDay: Int, startDate: CalendarDay, repayments: [(day: CalendarDay, amount: Int64)]) {
            (self.monthlyPayment, self.dueDay, self.startDate, self.repayments) = (monthlyPayment, dueDay, startDate, repayments)
        }

        /// The last due date strictly before `today` passed without the
        /// monthly payment: less than it was paid after the due date before
        /// it and up to that one. Due dates start the month after the debt did.
        public func isOverdue(on today: CalendarDay) -> Bool {
            let thisMonth = CalendarDay(year: today.year, month: today.month, day: 1)!.addingMonths(0, day: dueDay)
            let lastDue = thisMonth < today ? thisMonth : thisMonth.addingMonths(-1, day: dueDay)
            guard lastDue > startDate else { return false }
            let previousDue = lastDue.addingMonths(-1, day: dueDay)
            let paid = repayments.filter { $0.day > previousDue && $0.day <= lastDue }.reduce(0) { $0 + $1.amount }
            return paid < monthlyPayment
        }
    }

    /// A ratio with nothing to divide by but something to divide: the
    /// worst (or best) there is, 100 times over.
    public static let unbounded: Int64 = 1_000_000
    public static let window: TimeInterval = 90 * 86_400
    static let week: TimeInterval = 7 * 86_400

    public let movements: [Movement]
    /// The sum of the user's wallet balances now.
    public let balance: Int64
    public let debts: [DebtStanding]

    public init(movements: [Movement], balance: Int64, debts: [DebtStanding]) {
        (self.movements, self.balance, self.debts) = (movements, balance, debts)
    }

    /// Each factor's value over the 90 days ending at `asOf` (movements
    /// outside the window are ignored). One pass, no intermediate arrays:
    /// a user's window grows with the ledger, and each rescoring reads all of it.
    public func values(asOf: Date) -> [RiskFactor: Int64] {
        var (income, outflow, debtService): (Int64, Int64, Int64) = (0, 0, 0)
        var byPayer: [String: Int64] = [:]
        // Income per week, the last 12 weeks ending at `asOf`, newest first.
        var weeks = [Int64](repeating: 0, count: 12)
        for movement in movements where !movement.ownTransfer && movement.at <= asOf {
            let age = asOf.timeIntervalSince(movement.at)
            guard age < Self.window else { continue }
            if movement.amount > 0 {
                income += movement.amount
                byPayer[movement.counterparty, default: 0] += movement.amount
                let week = Int(age / Self.week)
                if week < 12 { weeks[week] += movement.amount }
            } else if movement.amount < 0 {
                outflow -= movement.amount
                if movement.kind == "debt_repayment" { debtService -= movement.amount }
            }
        }

        return [
            .debtToIncome: Self.ratio(debtService, income, whenNothingToDivideBy: debtService > 0 ? Self.unbounded : 0),
            // Outflow over 90 days is three months of it.
            .liquidity: Self.ratio(balance * 3, outflow, whenNothingToDivideBy: balance > 0 ? Self.unbounded : 0),
            .overdueDebts: Int64(debts.count { $0.isOverdue(on: CalendarDay(asOf)) }),
            .incomeConcentration: Self.ratio(byPayer.values.max() ?? 0, income, whenNothingToDivideBy: 0),
            .incomeVolatility: Self.variation(of: weeks),
        ]
    }

    /// `part / whole` in basis points.
    static func ratio(_ part: Int64, _ whole: Int64, whenNothingToDivideBy fallback: Int64) -> Int64 {
        guard whole > 0 else { return fallback }
        return min(Self.unbounded, part.multipliedReportingOverflow(by: 10_000).overflow ? Self.unbounded : part * 10_000 / whole)
    }

    /// Standard deviation over mean (population), in basis points; 0 without income.
    static func variation(of weeks: [Int64]) -> Int64 {
        let total = weeks.reduce(0, +)
        guard total > 0 else { return 0 }
        let mean = Double(total) / Double(weeks.count)
        let variance = weeks.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(weeks.count)
        return Int64((variance.squareRoot() / mean * 10_000).rounded())
    }
}
