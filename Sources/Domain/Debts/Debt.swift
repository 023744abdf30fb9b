/// A debt as the repayments worker reads (and locks) it. Interest accrues
/// daily, actual/365, on the outstanding principal, from `interestFrom` (the
/// start, then each repayment's day); interest accrued but not yet paid is
/// carried in `interestCarried`.
public struct Debt: Sendable, Equatable {
    public enum Status: String, Sendable {
        case active
        case paidOff = "paid_off"
    }

    public let id: String
    public let borrower: String
    public let lenderAccount: String
    public let currency: Currency
    public var principal: Int64
    public var interestCarried: Int64
    public var interestFrom: CalendarDay
    public let annualRateBasisPoints: Int64
    public let monthlyPayment: Int64
    /// 1 to 31; a month without that day uses its last day.
    public let dueDay: Int
    public let business: Bool
    public var status: Status

    public init(
        id: String, borrower: String, lenderAccount: String, currency: Currency, principal: Int64, interestCarried: Int64,
        interestFrom: CalendarDay, annualRateBasisPoints: Int64, monthlyPayment: Int64, dueDay: Int, business: Bool, status: Status
    ) {
        (self.id, self.borrower, self.lenderAccount, self.currency) = (id, borrower, lenderAccount, currency)
        (self.principal, self.interestCarried, self.interestFrom) = (principal, interestCarried, interestFrom)
        (self.annualRateBasisPoints, self.monthlyPayment, self.dueDay, self.business, self.status) =
            (annualRateBasisPoints, monthlyPayment, dueDay, business, status)
    }

    /// Interest owed on `day`: what was carried plus what accrued since
    /// `interestFrom` (nothing for a day before it).
    public func interest(on day: CalendarDay) -> Int64 {
        interestCarried
            + Self.accrual(
                principal: principal, annualRateBasisPoints: annualRateBasisPoints,
                days: max(0, interestFrom.days(to: day)))
    }

    /// What pays the debt off on `day`.
    public func payoff(on day: CalendarDay) -> Int64 { principal + interest(on: day) }

    /// principal × rate × days / 365, rounded half to even to the minor unit
    /// (banker's rounding: halves do not drift up over many repayments).
    /// Exact: 128-bit intermediate, no floating point.
    public static func accrual(principal: Int64, annualRateBasisPoints: Int64, days: Int) -> Int64 {
        let numerator = Int128(principal) * Int128(annualRateBasisPoints) * Int128(days)
        let denominator = Int128(10_000 * 365)
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        let twice = remainder * 2
        let roundsUp = twice > denominator || (twice == denominator && quotient % 2 == 1)
        return Int64(quotient + (roundsUp ? 1 : 0))
    }

    /// Pays `amount` on `day`: accrued interest first, then principal. The
    /// caller has checked `amount <= payoff(on: day)`.
    public func repaying(_ amount: Int64, on day: CalendarDay) -> (split: RepaymentSplit, after: Debt) {
        let owed = interest(on: day)
        let interestPart = min(amount, owed)
        var after = self
        after.principal -= amount - interestPart
        after.interestCarried = owed - interestPart
        after.interestFrom = max(interestFrom, day)
        if after.principal == 0 && after.interestCarried == 0 { after.status = .paidOff }
        return (
            RepaymentSplit(
                amount: Money(minorUnits: amount, currency: currency), interest: interestPart,
                principal: amount - interestPart, interestLeft: after.interestCarried,
                remainingPrincipal: after.principal), after
        )
    }
}

/// How one repayment divided: interest first, then principal, and what is
/// left owing after it.
public struct RepaymentSplit: Sendable, Equatable {
    public let amount: Money
    public let interest: Int64
    public let principal: Int64
    public let interestLeft: Int64
    public let remainingPrincipal: Int64

    public init(amount: Money, interest: Int64, principal: Int64, interestLeft: Int64, remainingPrincipal: Int64) {
        (self.amount, self.interest, self.principal, self.interestLeft, self.remainingPrincipal) =
            (amount, interest, principal, interestLeft, remainingPrincipal)
    }
}
