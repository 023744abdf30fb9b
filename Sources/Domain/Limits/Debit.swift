/// The money a command takes out of an account, as the door sees it before
/// any worker does: what a key's limits are checked against.
public struct Debit: Sendable, Equatable {
    public let account: String
    public let amount: Int64
    /// Nil where the command does not say (a funding is in its project's
    /// currency, which the door looks up).
    public let currency: Currency?

    public init(account: String, amount: Int64, currency: Currency?) {
        self.account = account
        self.amount = amount
        self.currency = currency
    }
}

extension PaymentCommand {
    public var debit: Debit? { Debit(account: payer, amount: amount.minorUnits, currency: amount.currency) }
}

extension MilestoneFunding {
    /// In the project's currency, which the command does not name.
    public var debit: Debit? { Debit(account: fromAccount, amount: amount, currency: nil) }
}

extension DebtRepayment {
    public var debit: Debit? { Debit(account: wallet, amount: amount.minorUnits, currency: amount.currency) }
}

extension DebtOpening {
    /// A disbursement pays the principal out of the lender's account.
    public var debit: Debit? {
        guard disburse else { return nil }
        return Debit(
            account: SystemAccount.lender(lender, principal.currency.code), amount: principal.minorUnits, currency: principal.currency)
    }
}

extension Withdrawal {
    public var debit: Debit? { Debit(account: account, amount: amount.minorUnits, currency: amount.currency) }
}
