import Foundation

/// What users are notified of: data (`notification_rules`), read per batch.
public struct NotificationRules: Sendable, Equatable {
    /// A wallet falling below `threshold` alerts its owner once per crossing.
    public struct LowBalance: Sendable, Equatable {
        public enum Threshold: Sendable, Equatable {
            /// Below this many minor units (wallets of that currency only).
            case below(Money)
            /// Below this percentage of the wallet's 30-day average balance.
            case percentOfThirtyDayAverage(Int64)
        }

        public let ruleId: Int64
        public let threshold: Threshold

        public init(ruleId: Int64, threshold: Threshold) { (self.ruleId, self.threshold) = (ruleId, threshold) }

        /// The threshold in minor units for a wallet of `currency` with this
        /// 30-day average; nil when the rule is for another currency.
        public func minorUnits(currency: Currency, thirtyDayAverage: Int64) -> Int64? {
            switch threshold {
            case .below(let money): money.currency == currency ? money.minorUnits : nil
            case .percentOfThirtyDayAverage(let percent): thirtyDayAverage * percent / 100
            }
        }

        public var needsAverage: Bool { if case .percentOfThirtyDayAverage = threshold { true } else { false } }
    }

    /// Event types whose users are each told.
    public let events: Set<EventType>
    /// A payment received at or above this, per currency, is an alert of its own.
    public let largeIncomingPayment: [Currency: Int64]
    public let lowBalance: [LowBalance]

    public init(events: Set<EventType>, largeIncomingPayment: [Currency: Int64], lowBalance: [LowBalance]) {
        (self.events, self.largeIncomingPayment, self.lowBalance) = (events, largeIncomingPayment, lowBalance)
    }

    /// The payee of a large incoming payment, and the wallet it came into.
    public func largeIncoming(_ payload: EventPayload) -> (user: String, wallet: String, amount: Money)? {
        guard case .paymentCompleted(let p) = payload, let payee = p.payeeUser, p.payerUser != payee,
            let limit = largeIncomingPayment[p.amount.currency], p.amount.minorUnits >= limit
        else { return nil }
        return (payee, p.payee, p.amount)
    }
}

/// Fires once per crossing: when a wallet is seen below its threshold and
/// was not below when last seen; re-armed once it is seen at or above it.
public enum BalanceCrossing {
    /// A wallet never seen is armed (`wasBelow` false).
    public static func evaluate(wasBelow: Bool, balance: Int64, threshold: Int64) -> (below: Bool, fires: Bool) {
        let below = balance < threshold
        return (below, below && !wasBelow)
    }
}

/// The average of a wallet's closing balances over the 30 days ending
/// `today` (today's closing is its balance now; a day before the wallet
/// existed closed at 0), from its current balance and its net movement per
/// day since.
public enum ThirtyDayAverage {
    public static func of(balance: Int64, dailyNet: [CalendarDay: Int64], today: CalendarDay) -> Int64 {
        // A day's closing is the balance now less what moved after that day,
        // so each day's net is taken off the closings of the days before it
        // that are counted: 29 less its age (none past the 30th day back).
        // One pass over the days, where summing each closing in turn
        // filtered the days 30 times per wallet.
        var total = 30 * balance
        for (day, net) in dailyNet {
            total -= net * Int64(min(30, max(0, 29 - day.days(to: today))))
        }
        return total / 30
    }
}

extension EventPayload {
    /// The user wallets whose balance the event moved, with their owners,
    /// and whether money left them.
    public var walletsMoved: [(wallet: String, user: String, outflow: Bool)] {
        switch self {
        case .paymentCompleted(let p):
            [p.payerUser.map { (p.payer, $0, true) }, p.payeeUser.map { (p.payee, $0, false) }].compactMap { $0 }
        case .milestoneCompleted(let m): [(m.wallet, m.freelancer, false)]
        case .debtRepaid(let d): [(d.wallet, d.borrower, true)]
        case .depositCompleted(let d): [(d.account, d.userId, false)]
        case .withdrawalRequested(let w): [(w.account, w.userId, true)]
        case .withdrawalFailed(let w): [(w.account, w.userId, false)]
        case .milestoneFunded(let m): [(m.wallet, m.client, true)]
        case .milestoneCancelled(let m): m.returned.map { ($0.wallet, m.client, false) }
        case .debtOpened(let d): d.disbursed ? [(d.account, d.debt.borrower, false)] : []
        case .milestoneFundingRejected, .milestoneCancellationRejected, .debtOpeningRejected, .projectCreated, .projectRejected,
            .accountOpened, .accountFrozen, .accountUnfrozen, .accountClosed, .accountRejected,
            .depositRejected,
            .withdrawalSettled, .withdrawalRejected, .paymentRejected, .milestoneRejected, .debtPaidOff, .debtRepaymentRejected,
            .riskRecalculated, .riskChanged,
            .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged, .commandApproved, .commandDeclined:
            []
        }
    }
}
