import Domain
import PostgresClient
import RedisClient
import WorkerRuntime

/// What users are told, by the rules in `notification_rules`: each user of
/// an event whose type has a rule, a large incoming payment, and a wallet
/// falling below a low-balance threshold (once per crossing). Deduplicated
/// by (event, user, kind, subject); unread counters per user, cached in Redis.
public struct NotificationHandler: EventSubscriber {
    public let consumer = Consumer.notifications
    public let queue = "events.notifications"
    /// Keyed by (event, user, kind, subject), a notification already there
    /// is skipped (`insertSkippingExisting`); counters count only the rows
    /// inserted, and a low-balance state moves only to a newer account
    /// version.
    public var isIdempotentByNaturalKey: Bool { true }

    public init() {}

    /// What users may be told of; operators' actions are not, nor a score
    /// that kept its band.
    public static func subscribes(to type: EventType) -> Bool {
        switch type {
        case .paymentCompleted, .paymentRejected, .milestoneCompleted, .milestoneRejected, .debtRepaid, .debtPaidOff,
            .debtRepaymentRejected, .riskChanged, .projectCreated, .projectRejected, .accountOpened, .accountFrozen, .accountUnfrozen,
            .accountClosed, .accountRejected,
            .depositCompleted, .depositRejected,
            .withdrawalRequested, .withdrawalSettled, .withdrawalFailed, .withdrawalRejected, .milestoneFunded, .milestoneFundingRejected,
            .milestoneCancelled, .milestoneCancellationRejected, .debtOpened, .debtOpeningRejected:
            true
        case .riskRecalculated, .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged, .commandApproved, .commandDeclined:
            false
        }
    }

    public func apply(_ events: [DomainEvent], in database: PostgresConnection) throws -> BatchEffects {
        let relevant = events.filter { Self.subscribes(to: $0.type) }
        guard !relevant.isEmpty else { return BatchEffects() }
        let rules = try NotificationRuleStore.load(database)
        var notices = rules.notices(for: relevant)
        notices += try BalanceAlerts.evaluate(relevant, rules: rules.lowBalance, in: database)
        guard !notices.isEmpty else { return BatchEffects() }
        try UnreadCounter.lock(Array(Set(notices.map(\.user))), in: database)
        let rows = try database.insertSkippingExisting(
            """
            INSERT INTO notifications (event_id, user_id, event_type, kind, subject, message)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
            """, returning: "RETURNING user_id, event_id",
            [
                notices.map(\.eventId), notices.map(\.user), notices.map(\.eventType), notices.map(\.kind), notices.map(\.subject),
                notices.map(\.text),
            ])
        var added: [String: Int] = [:]
        var alreadyApplied = Set(notices.map(\.eventId))
        for row in 0..<rows.count {
            added[try rows.decode(row, "user_id", as: String.self), default: 0] += 1
            alreadyApplied.remove(try rows.decode(row, "event_id", as: String.self))
        }
        try UnreadCounter.add(added, in: database)
        // Every user of the batch, not only those added to: a redelivery
        // after a crash before the cache write repairs it.
        return BatchEffects(
            cache: try UnreadCounter.current(Set(notices.map(\.user)).sorted(), in: database),
            alreadyApplied: alreadyApplied)
    }

    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try UnreadCounter.current(nil, in: database)
    }
}
