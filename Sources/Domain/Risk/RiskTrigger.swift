extension EventPayload {
    /// The users whose risk this event may have moved, recalculated
    /// automatically: repayments and payoffs (the borrower), milestone
    /// releases (both parties), payments of at least `largePayment`
    /// minor units (both parties), and money in or out through a gateway
    /// (its owner: a deposit, a withdrawal requested, a failed one's money
    /// back; income and liquidity are factors), a milestone funded or
    /// cancelled (the client: a cancellation is what a client walks away
    /// from, its escrow back or not), and a debt opened (the borrower). A
    /// settlement moves no wallet. Exhaustive, so a new event is decided here.
    public func riskSubjects(largePayment: Int64) -> [String] {
        switch self {
        case .paymentCompleted(let p): p.amount.minorUnits >= largePayment ? p.users : []
        case .milestoneCompleted(let m): m.users
        case .debtRepaid(let d): d.users
        case .debtPaidOff(let d): d.users
        case .depositCompleted(let d): d.users
        case .withdrawalRequested(let w), .withdrawalFailed(let w): w.users
        case .milestoneFunded(let m): [m.client]
        case .milestoneCancelled(let m): [m.client]
        case .debtOpened(let d): d.users
        case .milestoneFundingRejected, .milestoneCancellationRejected, .debtOpeningRejected, .projectCreated, .projectRejected,
            .accountOpened, .accountFrozen, .accountUnfrozen, .accountClosed, .accountRejected,
            .depositRejected,
            .withdrawalSettled, .withdrawalRejected, .paymentRejected, .milestoneRejected,
            .debtRepaymentRejected,
            .riskRecalculated, .riskChanged,
            .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged, .commandApproved, .commandDeclined:
            []
        }
    }
}
