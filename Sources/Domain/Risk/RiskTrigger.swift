extension EventPayload {
    /// The users whose risk this event may have moved, recalculated
    /// automatically: repayments and payoffs (the borrower), milestone
    /// releases (both parties), payments of at least `largePayment`
    /// minor units (both parties), and a deposit (its owner: income is a
    /// factor of the score). Money out is seen at the owner's next
    /// rescoring, as small payments are. Exhaustive, so a new event is
    /// decided here.
    public func riskSubjects(largePayment: Int64) -> [String] {
        switch self {
        case .paymentCompleted(let p): p.amount.minorUnits >= largePayment ? p.users : []
        case .milestoneCompleted(let m): m.users
        case .debtRepaid(let d): d.users
        case .debtPaidOff(let d): d.users
        case .depositCompleted(let d): d.users
        case .accountOpened, .accountFrozen, .accountUnfrozen, .accountClosed, .accountRejected, .depositRejected,
            .withdrawalRequested, .withdrawalSettled, .withdrawalFailed, .withdrawalRejected, .paymentRejected, .milestoneRejected,
            .debtRepaymentRejected,
            .riskRecalculated, .riskChanged,
            .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged:
            []
        }
    }
}
