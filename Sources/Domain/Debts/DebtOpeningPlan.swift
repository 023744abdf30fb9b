/// Business rejections of `debt.open`.
public enum DebtOpeningRejection: String, Sendable, CaseIterable {
    case debtExists = "debt_exists"
    case unknownUser = "unknown_user"
    case notBorrowersWallet = "not_borrowers_wallet"
    case currencyMismatch = "currency_mismatch"
    case walletClosed = "wallet_closed"
    /// `lender.<lender>.<currency>` is taken by an account that is not a lender's.
    case invalidLender = "invalid_lender"
    /// The monthly payment never covers the interest a month accrues.
    case paymentBelowInterest = "payment_below_interest"
}

/// Decides a batch of debt openings in order against what exists: the
/// debts, users and accounts they name (the wallets locked).
public struct DebtOpeningPlan: Sendable {
    public struct Outcome: Sendable {
        public let command: DebtOpening
        public let rejection: DebtOpeningRejection?
        public let event: EventPayload
    }

    public private(set) var outcomes: [Outcome] = []
    /// The openings to write, in order.
    public var opened: [DebtOpening] { outcomes.filter { $0.rejection == nil }.map(\.command) }
    /// Lender accounts to create: named by an opening and absent.
    public private(set) var newLenderAccounts: [(id: String, currency: String)] = []
    /// Disbursed wallets' changes (lender accounts are added to last, as hot rows).
    public private(set) var walletChanges: [String: Int64] = [:]
    public private(set) var lenderChanges: [String: Int64] = [:]

    /// `accounts`: the wallets and lender accounts the commands name.
    public init(commands: [DebtOpening], existingDebts: Set<String>, users: Set<String>, accounts: [String: AccountState]) {
        var debts = existingDebts
        var lenders = Set(accounts.values.filter { !$0.isWallet }.map(\.id))
        for command in commands {
            if let (reason, detail) = Self.decide(command, debts, users, accounts) {
                outcomes.append(
                    Outcome(
                        command: command, rejection: reason,
                        event: .debtOpeningRejected(
                            DebtOpeningRejected(
                                debtId: command.debtId, borrower: users.contains(command.borrower) ? command.borrower : nil,
                                reason: reason.rawValue, detail: detail))))
                continue
            }
            debts.insert(command.debtId)
            if !lenders.contains(command.lenderAccount) {
                lenders.insert(command.lenderAccount)
                newLenderAccounts.append((command.lenderAccount, command.principal.currency.code))
            }
            if command.disburse {
                walletChanges[command.account, default: 0] += command.principal.minorUnits
                lenderChanges[command.lenderAccount, default: 0] -= command.principal.minorUnits
            }
            outcomes.append(Outcome(command: command, rejection: nil, event: .debtOpened(DebtOpened(command))))
        }
    }

    private static func decide(_ c: DebtOpening, _ debts: Set<String>, _ users: Set<String>, _ accounts: [String: AccountState])
        -> (DebtOpeningRejection, String)?
    {
        if debts.contains(c.debtId) { return (.debtExists, "debt id \(c.debtId) is taken") }
        guard users.contains(c.borrower) else { return (.unknownUser, "no user \(c.borrower)") }
        guard let wallet = accounts[c.account], wallet.isWallet, wallet.userId == c.borrower else {
            return (.notBorrowersWallet, "\(c.account) is not a wallet of \(c.borrower)")
        }
        guard wallet.currency == c.principal.currency.code else {
            return (.currencyMismatch, "wallet \(c.account) holds \(wallet.currency), the debt is in \(c.principal.currency)")
        }
        guard wallet.status.receives else { return (.walletClosed, "wallet \(c.account) is closed") }
        if let lender = accounts[c.lenderAccount], lender.isWallet || lender.userId != nil {
            return (.invalidLender, "\(c.lenderAccount) is a wallet, not a lender's account")
        }
        do {
            let schedule = try AmortizationSchedule(c.debt, from: c.startsOn)
            if let last = schedule.lines.last, last.remaining > 0 {
                return (
                    .paymentBelowInterest,
                    "a monthly payment of \(c.principal.currency.text(c.monthlyPayment)) does not pay the debt off in 100 years"
                )
            }
        } catch {
            return (
                .paymentBelowInterest,
                "a monthly payment of \(c.principal.currency.text(c.monthlyPayment)) never covers the interest a month accrues on \(c.principal.text) at \(c.annualRateBasisPoints) bps"
            )
        }
        return nil
    }
}
