import AMQPClient
import Domain
import PostgresClient
import WorkerRuntime

/// One notification per affected user per event (the event's `user_ids`),
/// deduplicated by (event, user); the unread counter per user lives in Redis.
public struct NotificationHandler: EventSubscriber {
    public let consumer = Consumer.notifications
    public let queue = "events.notifications"
    /// Keyed by (event, user), inserted ON CONFLICT DO NOTHING; counters
    /// count only the rows inserted.
    public var isIdempotentByNaturalKey: Bool { true }

    public init() {}

    public static func unreadKey(_ userId: String) -> String { "flexfin:unread:\(userId)" }

    public func decode(_ message: AMQPMessage) throws(InvalidMessage) -> DomainEvent {
        try DomainEvent(body: message.body)
    }

    public func id(of event: DomainEvent) -> String { event.eventId }

    /// What users are told of; operators' actions are not.
    public static func subscribes(to type: EventType) -> Bool {
        switch type {
        case .paymentCompleted, .paymentRejected, .milestoneCompleted, .milestoneRejected, .debtRepaid, .debtPaidOff,
             .debtRepaymentRejected, .riskChanged: true
        case .riskRecalculated, .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged: false
        }
    }

    public func apply(_ events: [DomainEvent], in database: PostgresConnection) throws -> BatchEffects {
        var eventIds: [String] = [], users: [String] = [], types: [String] = [], texts: [String] = []
        for event in events where Self.subscribes(to: event.type) {
            for user in Set(event.userIds).sorted() {
                eventIds.append(event.eventId)
                users.append(user)
                types.append(event.type.rawValue)
                texts.append(Self.text(of: event.payload, for: user))
            }
        }
        guard !eventIds.isEmpty else { return BatchEffects() }
        let rows = try database.execute(prepared: """
            INSERT INTO notifications (event_id, user_id, event_type, message)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
            ON CONFLICT DO NOTHING RETURNING user_id
            """, [eventIds, users, types, texts])
        var added: [String: Int] = [:]
        for row in 0..<rows.count { added[try rows.decode(row, 0, as: String.self), default: 0] += 1 }
        return BatchEffects(cache: added.sorted { $0.key < $1.key }.map { .plain(["INCRBY", Self.unreadKey($0.key), String($0.value)]) })
    }

    /// What the user reads. Amounts stay in minor units with their currency.
    static func text(of payload: EventPayload, for user: String) -> String {
        switch payload {
        case .paymentCompleted(let p):
            return p.payeeUser == user ? "You received \(p.amount) from \(p.payer)." : "You paid \(p.amount) to \(p.payee)."
        case .paymentRejected(let r):
            return "Your payment of \(r.payment.amount) to \(r.payment.payee) was rejected: \(r.reason)."
        case .milestoneCompleted(let m):
            let split = m.release
            return user == m.freelancer
                ? "Milestone \(m.milestoneId) of project \(m.projectId) is complete: \(split.net) \(split.gross.currency) minor units paid to \(m.wallet) (\(split.gross.minorUnits) less a fee of \(split.fee))."
                : "You completed milestone \(m.milestoneId) of project \(m.projectId): its escrow of \(split.gross) was released to the freelancer."
        case .milestoneRejected(let m):
            return "Completing milestone \(m.milestoneId) of project \(m.projectId) was refused: \(m.reason) (\(m.detail))."
        case .debtRepaid(let d):
            return "Your repayment of \(d.split.amount) on debt \(d.debtId) paid \(d.split.interest) of interest and \(d.split.principal) of principal; \(d.split.remainingPrincipal) of principal remains."
        case .debtPaidOff(let d):
            return "Your debt \(d.debtId) is paid off."
        case .debtRepaymentRejected(let d):
            return "Your repayment of \(d.amount) on debt \(d.debtId) was rejected: \(d.reason) (\(d.detail))."
        case .riskChanged(let r):
            return "Your risk band changed from \(r.fromBand.rawValue) to \(r.toBand.rawValue) (score \(r.score) of 100)."
        case .riskRecalculated(let r):
            return "Your risk score is \(r.score) of 100 (\(r.band.rawValue))."
        case .deadLettersReplayed(let a), .deadLettersReplayCompleted(let a), .deadLettersPurged(let a):
            return "\(a.actor): \(payload.type.rawValue) of \(a.count) from \(a.queue)"
        }
    }
}
