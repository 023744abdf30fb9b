import AMQPClient
import Domain
import PostgresClient
import WorkerRuntime

/// One notification per affected user per event (the event's `user_ids`),
/// deduplicated by (event, user); the unread counter per user lives in Redis.
public struct NotificationHandler: BatchHandler {
    public let name = "notifications"
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

    public func apply(_ events: [DomainEvent], in database: PostgresConnection) throws -> BatchEffects {
        var eventIds: [String] = [], users: [String] = [], types: [String] = [], texts: [String] = []
        for event in events {
            for user in Set(event.userIds).sorted() {
                eventIds.append(event.eventId)
                users.append(user)
                types.append(event.type)
                texts.append(Self.text(of: event, for: user))
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
    static func text(of event: DomainEvent, for user: String) -> String {
        func field(_ name: String) -> String {
            switch event.data[name] {
            case .string(let s)?: s
            case .integer(let i)?: String(i)
            default: "?"
            }
        }
        let amount = "\(field("amount")) \(field("currency")) minor units"
        switch event.type {
        case "payment.completed":
            return event.data["payee_user"] == .string(user)
                ? "You received \(amount) from \(field("payer"))."
                : "You paid \(amount) to \(field("payee"))."
        case "payment.rejected":
            return "Your payment of \(amount) to \(field("payee")) was rejected: \(field("reason"))."
        default:
            return "\(event.type) (\(event.commandId))"
        }
    }
}
