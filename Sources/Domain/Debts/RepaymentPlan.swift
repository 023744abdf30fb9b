/// Business rejections of `debt.repayment`.
public enum RepaymentRejection: String, Sendable, CaseIterable {
    case unknownDebt = "unknown_debt"
    case notBorrowersWallet = "not_borrowers_wallet"
    case currencyMismatch = "currency_mismatch"
    case alreadyPaidOff = "already_paid_off"
    case abovePayoff = "above_payoff"
    case insufficientFunds = "insufficient_funds"
    case accountFrozen = "account_frozen"
    case walletClosed = "wallet_closed"
}

public enum RepaymentOutcome: Sendable, Equatable {
    case repaid(DebtRepayment, DebtRepaid, paidOff: Bool)
    case rejected(DebtRepayment, RepaymentRejection, DebtRepaymentRejected)

    public var command: DebtRepayment {
        switch self {
        case .repaid(let c, _, _), .rejected(let c, _, _): c
        }
    }

    /// `debt.repaid` (and `debt.paid_off` when it was the last), or `debt.repayment_rejected`.
    public var events: [EventPayload] {
        switch self {
        case .repaid(_, let repaid, let paidOff):
            [.debtRepaid(repaid)]
                + (paidOff
                    ? [
                        .debtPaidOff(
                            DebtPaidOff(
                                debtId: repaid.debtId, borrower: repaid.borrower,
                                currency: repaid.split.amount.currency))
                    ] : [])
        case .rejected(_, _, let rejected): [.debtRepaymentRejected(rejected)]
        }
    }
}

/// Decides a batch of repayments in order against the locked debts and
/// wallets, as if applied one by one, and sums the balance changes.
public struct RepaymentPlan: Sendable {
    public private(set) var outcomes: [RepaymentOutcome] = []
    /// The debts as they stand after the batch, for those it changed.
    public private(set) var debts: [String: Debt] = [:]
    /// Paying wallets, locked at the start of the batch.
    public private(set) var balanceChanges: [String: Int64] = [:]
    /// Lenders' accounts: the hot rows, written last in the transaction.
    public private(set) var lenderCredits: [String: Int64] = [:]

    public init(commands: [DebtRepayment], debts known: [String: Debt], wallets: [String: AccountState]) {
        var current = known
        var balances = wallets.mapValues(\.balance)
        for command in commands {
            let (outcome, after) = Self.decide(command, current[command.debtId], wallets[command.wallet], balances[command.wallet] ?? 0)
            if let after {
                current[after.id] = after
                debts[after.id] = after
                balances[command.wallet]! -= command.amount.minorUnits
                balanceChanges[command.wallet, default: 0] -= command.amount.minorUnits
                lenderCredits[after.lenderAccount, default: 0] += command.amount.minorUnits
            }
            outcomes.append(outcome)
        }
    }

    /// The outcome, and the debt after it when it was repaid.
    private static func decide(
        _ command: DebtRepayment, _ debt: Debt?, _ wallet: AccountState?,
        _ balance: Int64
    ) -> (RepaymentOutcome, Debt?) {
        func reject(_ reason: RepaymentRejection, _ detail: String) -> (RepaymentOutcome, Debt?) {
            (
                .rejected(
                    command, reason,
                    DebtRepaymentRejected(
                        debtId: command.debtId, wallet: command.wallet, amount: command.amount,
                        borrower: debt?.borrower, reason: reason.rawValue, detail: detail)), nil
            )
        }
        guard let debt else { return reject(.unknownDebt, "no debt \(command.debtId)") }
        guard let wallet, wallet.isWallet, wallet.userId == debt.borrower else {
            return reject(.notBorrowersWallet, "\(command.wallet) is not a wallet of the borrower \(debt.borrower)")
        }
        guard command.amount.currency == debt.currency, wallet.currency == debt.currency.code else {
            return reject(
                .currencyMismatch,
                "debt \(debt.id) is in \(debt.currency); the repayment is in \(command.amount.currency) from a \(wallet.currency) wallet")
        }
        guard debt.status == .active else { return reject(.alreadyPaidOff, "debt \(debt.id) is already paid off") }
        let payoff = debt.payoff(on: command.acceptedOn)
        guard command.amount.minorUnits <= payoff else {
            return reject(
                .abovePayoff,
                "the payoff of debt \(debt.id) on \(command.acceptedOn) is \(debt.currency.text(payoff)); the repayment is \(command.amount.text)"
            )
        }
        guard wallet.status.receives else { return reject(.walletClosed, "wallet \(command.wallet) is closed") }
        guard wallet.status.paysOut else {
            return reject(.accountFrozen, "wallet \(command.wallet) is frozen: it pays nothing out until an operator unfreezes it")
        }
        guard balance >= command.amount.minorUnits else {
            return reject(
                .insufficientFunds,
                "wallet \(command.wallet) holds \(debt.currency.text(balance)), the repayment needs \(command.amount.text)")
        }
        let (split, after) = debt.repaying(command.amount.minorUnits, on: command.acceptedOn)
        let repaid = DebtRepaid(
            debtId: debt.id, borrower: debt.borrower, wallet: command.wallet, lender: debt.lenderAccount,
            split: split, accruedTo: after.interestFrom, business: debt.business)
        return (.repaid(command, repaid, paidOff: after.status == .paidOff), after)
    }
}
