extension EventPayload {
    /// The users whose risk this event may have moved, recalculated
    /// automatically: repayments and payoffs (the borrower), milestone
    /// releases (both parties) and payments of at least `largePayment`
    /// minor units (both parties). Exhaustive, so a new event is decided here.
    public func riskSubjects(largePayment: Int64) -> [String] {
        switch self {
        case .paymentCompleted(let p): p.amount.minorUnits >= largePayment ? p.users : []
        case .milestoneCompleted(let m): m.users
        case .debtRepaid(let d): d.users
        case .debtPaidOff(let d): d.users
        case .paymentRejected, .milestoneRejected, .debtRepaymentRejected, .riskRecalculated, .riskChanged,
            .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged:
            []
        }
    }
}
