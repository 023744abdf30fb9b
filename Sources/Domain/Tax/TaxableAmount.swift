/// An amount an event moved for one user that tax may count: which part of
/// the event it is decides its category (`TaxCategories`).
public struct TaxableAmount: Sendable, Equatable {
    public enum Part: String, Sendable, CaseIterable {
        /// A payment, by its kind and memo (`tax_rules`).
        case paymentReceived = "payee"
        case paymentSent = "payer"
        /// A payment between two wallets of one user: recorded, not taxable.
        case ownTransfer = "own_transfer"
        /// A milestone release: the freelancer's gross and fee, the client's gross.
        case freelancerGross = "freelancer_gross"
        case freelancerFee = "freelancer_fee"
        case clientGross = "client_gross"
        /// A repayment's parts; interest by whether the debt is a business one.
        case businessInterest = "business_interest"
        case personalInterest = "personal_interest"
        case principal
        /// A deposit into a business or portfolio wallet: a client paid
        /// through a gateway (`AccountPurpose.depositsAreIncome`). A deposit
        /// into a personal or savings wallet is the owner's own money
        /// (`ownTransfer`).
        case depositIncome = "deposit_income"
    }

    public let user: String
    public let part: Part
    public let amount: Money

    public init(user: String, part: Part, amount: Money) {
        (self.user, self.part, self.amount) = (user, part, amount)
    }
}

extension EventPayload {
    /// What tax may count of this event: every event that moves a user's
    /// money says which amounts to whom. A milestone release is not also a
    /// `payment.completed`, so its money is counted once, here. Escrow
    /// funded or returned is the client's own money held, and a loan's
    /// principal is not income: neither is counted.
    public var taxableAmounts: [TaxableAmount] {
        switch self {
        case .paymentCompleted(let p):
            if let user = p.payerUser, user == p.payeeUser { return [TaxableAmount(user: user, part: .ownTransfer, amount: p.amount)] }
            return [
                p.payeeUser.map { TaxableAmount(user: $0, part: .paymentReceived, amount: p.amount) },
                p.payerUser.map { TaxableAmount(user: $0, part: .paymentSent, amount: p.amount) },
            ].compactMap { $0 }
        case .milestoneCompleted(let m):
            let currency = m.release.gross.currency
            return [
                TaxableAmount(user: m.freelancer, part: .freelancerGross, amount: m.release.gross),
                TaxableAmount(user: m.freelancer, part: .freelancerFee, amount: Money(minorUnits: m.release.fee, currency: currency)),
                TaxableAmount(user: m.client, part: .clientGross, amount: m.release.gross),
            ]
            .filter { $0.amount.minorUnits > 0 }
        case .debtRepaid(let d):
            let currency = d.split.amount.currency
            return [
                TaxableAmount(
                    user: d.borrower, part: d.business ? .businessInterest : .personalInterest,
                    amount: Money(minorUnits: d.split.interest, currency: currency)),
                TaxableAmount(user: d.borrower, part: .principal, amount: Money(minorUnits: d.split.principal, currency: currency)),
            ]
            .filter { $0.amount.minorUnits > 0 }
        case .depositCompleted(let d):
            return [TaxableAmount(user: d.userId, part: d.purpose.depositsAreIncome ? .depositIncome : .ownTransfer, amount: d.amount)]
        case .milestoneFunded, .milestoneFundingRejected, .milestoneCancelled, .milestoneCancellationRejected, .debtOpened,
            .debtOpeningRejected, .projectCreated, .projectRejected, .accountOpened, .accountFrozen, .accountUnfrozen, .accountClosed,
            .accountRejected, .depositRejected, .withdrawalRequested,
            .withdrawalSettled, .withdrawalFailed, .withdrawalRejected, .paymentRejected, .milestoneRejected, .debtPaidOff,
            .debtRepaymentRejected, .riskRecalculated, .riskChanged,
            .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged, .commandApproved, .commandDeclined:
            return []
        }
    }
}

/// Categories are data: payments by `tax_rules` (kind and memo), every other
/// part by `tax_categories`. nil: not taxable (no entry).
public struct TaxCategories: Sendable {
    public let paymentRules: TaxRules
    public let parts: [TaxableAmount.Part: String?]

    public init(paymentRules: TaxRules, parts: [TaxableAmount.Part: String?]) {
        (self.paymentRules, self.parts) = (paymentRules, parts)
    }

    public func category(of amount: TaxableAmount, in payload: EventPayload) -> String? {
        switch amount.part {
        case .paymentReceived, .paymentSent:
            guard case .paymentCompleted(let p) = payload, let found = paymentRules.categorize(kind: p.kind, memo: p.memo) else {
                return nil
            }
            return amount.part == .paymentReceived ? found.payee : found.payer
        case .ownTransfer, .depositIncome, .freelancerGross, .freelancerFee, .clientGross, .businessInterest, .personalInterest, .principal:
            return parts[amount.part] ?? nil
        }
    }
}
