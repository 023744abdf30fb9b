/// The ids of the platform's own accounts, named in one place: the seed
/// creates them, the workers post to them, `ledger verify` proves them.
public enum SystemAccount {
    /// Where outside money enters (wallet funding).
    public static func clearing(_ currency: String) -> String { "clearing.\(currency)" }
    /// The platform's fees (milestone releases).
    public static func fees(_ currency: String) -> String { "fees.\(currency)" }
    /// One milestone's escrow: what was funded and not yet released.
    public static func escrow(milestone: String) -> String { "escrow.\(milestone)" }
    /// A lender's account in one currency (repayments).
    public static func lender(_ lender: String, _ currency: String) -> String { "lender.\(lender).\(currency)" }
}

extension SystemAccount {
    /// A payment gateway's clearing account in one currency: deposits come
    /// from it, settled withdrawals go to it. Created on first use.
    public static func gateway(_ gateway: String, _ currency: String) -> String { "gateway.\(gateway).\(currency)" }
    /// Withdrawals requested through a gateway and not yet settled or
    /// failed: the pending phase of money out. Created on first use.
    public static func payout(_ gateway: String, _ currency: String) -> String { "payout.\(gateway).\(currency)" }
}
