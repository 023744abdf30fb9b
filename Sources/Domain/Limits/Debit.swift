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

extension DomainCommand {
    /// What this command debits, if it moves money out of an account a
    /// key could be bound to: payments, fundings, repayments, withdrawals,
    /// and a debt's disbursement (from the lender's account).
    public var debit: Debit? {
        switch self {
        case let payment as PaymentCommand:
            return Debit(account: payment.payer, amount: payment.amount.minorUnits, currency: payment.amount.currency)
        case let command as MilestoneCommand:
            guard case .fund(let funding) = command else { return nil }
            return Debit(account: funding.fromAccount, amount: funding.amount, currency: nil)
        case let command as DebtCommand:
            switch command {
            case .repay(let repayment):
                return Debit(account: repayment.wallet, amount: repayment.amount.minorUnits, currency: repayment.amount.currency)
            case .open(let opening):
                guard opening.disburse else { return nil }
                return Debit(
                    account: SystemAccount.lender(opening.lender, opening.principal.currency.code),
                    amount: opening.principal.minorUnits, currency: opening.principal.currency)
            }
        case let command as AccountCommand:
            guard case .withdrawal(let withdrawal) = command else { return nil }
            return Debit(account: withdrawal.account, amount: withdrawal.amount.minorUnits, currency: withdrawal.amount.currency)
        default:
            return nil
        }
    }
}
