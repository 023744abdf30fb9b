/// The repayments that pay a debt off from a day on: the monthly payment on
/// each due day, interest first, the last line paying exactly the payoff.
/// Each line's interest is what `Debt.repaying` would compute on its day, so
/// a borrower who pays these amounts on these days ends at zero.
public struct AmortizationSchedule: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let day: CalendarDay
        public let payment: Int64
        public let interest: Int64
        public let principal: Int64
        public let remaining: Int64
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case neverPaidOff(monthlyPayment: Int64, firstInterest: Int64)
        case paidOff

        public var description: String {
            switch self {
            case .neverPaidOff(let payment, let interest):
                "the monthly payment \(payment) does not cover the \(interest) of interest a month accrues: the debt is never paid off"
            case .paidOff: "the debt is paid off"
            }
        }
    }

    public let lines: [Line]

    /// Due days strictly after `today`, at most `limit` of them.
    public init(_ debt: Debt, from today: CalendarDay, limit: Int = 1200) throws(Problem) {
        guard debt.status == .active, debt.principal > 0 else { throw .paidOff }
        var debt = debt
        var lines: [Line] = []
        var due = CalendarDay(year: today.year, month: today.month, day: 1)!.addingMonths(0, day: debt.dueDay)
        if due <= today { due = due.addingMonths(1, day: debt.dueDay) }
        while debt.principal > 0 && lines.count < limit {
            let payment = min(debt.monthlyPayment, debt.payoff(on: due))
            let (split, after) = debt.repaying(payment, on: due)
            if split.principal == 0 && payment < debt.payoff(on: due) {
                throw .neverPaidOff(monthlyPayment: debt.monthlyPayment, firstInterest: split.interest)
            }
            lines.append(Line(day: due, payment: payment, interest: split.interest, principal: split.principal, remaining: after.principal))
            debt = after
            due = due.addingMonths(1, day: debt.dueDay)
        }
        self.lines = lines
    }
}
