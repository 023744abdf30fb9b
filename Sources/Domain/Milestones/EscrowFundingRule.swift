/// The rules of paying into a milestone's escrow, whichever door the money
/// comes through: `milestone.fund`, or a payment of kind `escrow_fund` (kept
/// for messages already queued). Only the client funds, only a pending
/// milestone, and never beyond its amount: fundings add up to it.
public enum EscrowFundingRefusal: Sendable, Equatable {
    case notPending(MilestoneStatus)
    case notClient
    case overfunded

    /// nil when `payerOwner` may pay `amount` into the milestone whose
    /// escrow holds `escrow` of `milestoneAmount`.
    public static func check(
        milestone: String, status: MilestoneStatus, client: String, payerOwner: String?, payer: String, escrow: Int64,
        milestoneAmount: Int64, amount: Money
    ) -> (Self, String)? {
        guard status == .pending else { return (.notPending(status), "milestone \(milestone) is \(status.rawValue), not pending") }
        guard payerOwner == client else { return (.notClient, "wallet \(payer) is not the project client \(client)'s") }
        let missing = milestoneAmount - escrow
        guard amount.minorUnits <= missing else {
            return (.overfunded, "milestone \(milestone) needs \(amount.currency.text(missing)) more, the funding is \(amount.text)")
        }
        return nil
    }
}
