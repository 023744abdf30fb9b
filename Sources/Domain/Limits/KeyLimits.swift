/// What an API key may move (Stripe's restricted keys): the accounts it may
/// debit, and per currency the most one command may move before a second
/// person approves it. A key without limits may move anything its scopes
/// allow.
public struct KeyLimits: Sendable, Equatable {
    /// Nil: any account.
    public var debitAccounts: Set<String>?
    /// Minor units per currency; a currency not listed has no ceiling.
    public var ceilings: [Currency: Int64]

    public init(debitAccounts: Set<String>? = nil, ceilings: [Currency: Int64] = [:]) {
        self.debitAccounts = debitAccounts
        self.ceilings = ceilings
    }

    public static let none = KeyLimits()

    public enum Decision: Sendable, Equatable {
        case within
        /// Refused outright: the key may not debit this account.
        case outsideAccounts(account: String)
        /// Held until an operator approves it.
        case aboveCeiling(ceiling: Money)
    }

    /// `currency` is the debit's, where the command leaves it to be looked
    /// up (nil when it could not be: the worker will refuse the command,
    /// and no ceiling applies to a debit that cannot happen).
    public func decide(_ debit: Debit, currency: Currency? = nil) -> Decision {
        if let debitAccounts, !debitAccounts.contains(debit.account) { return .outsideAccounts(account: debit.account) }
        guard let currency = debit.currency ?? currency, let ceiling = ceilings[currency], debit.amount > ceiling else { return .within }
        return .aboveCeiling(ceiling: Money(minorUnits: ceiling, currency: currency))
    }
}
