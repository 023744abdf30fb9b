/// What the low-balance rules decide for a batch, with no I/O: which
/// wallets to look at, and for each wallet and rule whether it changed side
/// of its threshold (a state to write) and whether that fires an alert.
/// The notifications worker reads the states and balances and writes the
/// changes; this decides.
public enum LowBalanceAlerts {
    /// The wallets a batch's events moved, each with the last event that
    /// moved it (it names the alert) and its user, and those that money
    /// left (only they can have fallen below a threshold).
    public struct Moved: Sendable {
        public var cause: [String: (event: DomainEvent, user: String)] = [:]
        public var drawn: Set<String> = []
    }

    public static func moved(by events: [DomainEvent]) -> Moved {
        var moved = Moved()
        for event in events {
            for wallet in event.payload.walletsMoved {
                moved.cause[wallet.wallet] = (event, wallet.user)
                if wallet.outflow { moved.drawn.insert(wallet.wallet) }
            }
        }
        return moved
    }

    /// A wallet as read now.
    public struct Wallet: Sendable, Equatable {
        public let id: String
        public let balance: Int64
        /// The account's version: what the state remembers having seen.
        public let version: Int64
        public let currency: Currency
        /// Its average closing balance over 30 days, when a rule needs it.
        public let thirtyDayAverage: Int64

        public init(id: String, balance: Int64, version: Int64, currency: Currency, thirtyDayAverage: Int64 = 0) {
            (self.id, self.balance, self.version, self.currency, self.thirtyDayAverage) = (id, balance, version, currency, thirtyDayAverage)
        }
    }

    /// What a rule last saw of a wallet: below its threshold or not, at
    /// which account version.
    public struct State: Sendable, Equatable {
        public let below: Bool
        public let version: Int64

        public init(below: Bool, version: Int64) { (self.below, self.version) = (below, version) }
    }

    public struct Change: Sendable, Equatable {
        public let ruleId: Int64
        public let wallet: String
        public let state: State

        public init(ruleId: Int64, wallet: String, state: State) { (self.ruleId, self.wallet, self.state) = (ruleId, wallet, state) }
    }

    public struct Decision: Sendable, Equatable {
        public var changes: [Change] = []
        public var notices: [Notice] = []

        public init(changes: [Change] = [], notices: [Notice] = []) { (self.changes, self.notices) = (changes, notices) }
    }

    /// For each wallet and rule: nothing when the state has seen this
    /// version or a newer one (another lane, a redelivery) or when the side
    /// is the same (lanes take turns on the state and read the balance
    /// after, so what they read only moves forward); else a change, and an
    /// alert when the wallet went below.
    public static func decide(
        _ wallets: [Wallet], rules: [NotificationRules.LowBalance], states: [String: State],
        moved: Moved
    ) -> Decision {
        var decision = Decision()
        for wallet in wallets {
            guard let (event, user) = moved.cause[wallet.id] else { continue }
            for rule in rules {
                guard let state = states[key(rule: rule.ruleId, wallet: wallet.id)], state.version < wallet.version,
                    let threshold = rule.minorUnits(currency: wallet.currency, thirtyDayAverage: wallet.thirtyDayAverage)
                else { continue }
                let crossing = BalanceCrossing.evaluate(wasBelow: state.below, balance: wallet.balance, threshold: threshold)
                guard crossing.below != state.below else { continue }
                decision.changes.append(
                    Change(ruleId: rule.ruleId, wallet: wallet.id, state: State(below: crossing.below, version: wallet.version)))
                guard crossing.fires else { continue }
                let limit =
                    switch rule.threshold {
                    case .below: wallet.currency.text(threshold)
                    case .percentOfThirtyDayAverage(let percent):
                        "\(wallet.currency.text(threshold)) (\(percent) % of its 30-day average, \(wallet.currency.text(wallet.thirtyDayAverage)))"
                    }
                decision.notices.append(
                    Notice(
                        eventId: event.eventId, user: user, eventType: event.type.rawValue, kind: "low_balance", subject: wallet.id,
                        text: "Your wallet \(wallet.id) is low: its balance \(wallet.currency.text(wallet.balance)) is below \(limit)."))
            }
        }
        return decision
    }

    /// How `states` is keyed.
    public static func key(rule: Int64, wallet: String) -> String { "\(rule)/\(wallet)" }
}
