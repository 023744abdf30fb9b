/// Events travel in bundles: the events of one type from one batch, one
/// event's JSON (byte for byte `DomainEvent.encoded()`) per line. One AMQP
/// message per bundle instead of one per event is what the broker's cost is
/// counted in (a quorum queue writes, replicates, delivers and settles each
/// message; the fanout multiplies that by every bound queue), and one outbox
/// row per bundle is what the outbox costs. The routing key is still the
/// event type, so bindings by type route bundles as they routed events.
/// Consumers take a bundle apart into its events before anything else (see
/// `parts`), so a bad or failing event is retried or dead-lettered alone.
public struct EventBundle: Sendable, Equatable {
    /// What a bundle's AMQP `content_type` says; a message without it is
    /// one event (what an operator or an older publisher sends).
    public static let contentType = "application/x-ndjson"
    /// Bounds a delivery's size, and so what a consumer's prefetch holds
    /// (prefetch counts messages): 100 events are about 40 KB.
    public static let maxEvents = 100

    public let type: EventType
    public let eventIds: [String]
    public let body: [UInt8]
    /// The earliest `occurred_at` among its events.
    public let occurredAt: String

    public var count: Int { eventIds.count }

    /// The events grouped by type (types in the order they first occur,
    /// events in their order), at most `maxEvents` to a bundle.
    public static func bundles(_ events: [DomainEvent], maxEvents: Int = maxEvents) -> [EventBundle] {
        var order: [EventType] = []
        var byType: [EventType: [DomainEvent]] = [:]
        for event in events {
            if byType[event.type] == nil { order.append(event.type) }
            byType[event.type, default: []].append(event)
        }
        return order.flatMap { type in
            let ofType = byType[type]!
            return stride(from: 0, to: ofType.count, by: maxEvents).map { start in
                EventBundle(type: type, events: ofType[start..<min(start + maxEvents, ofType.count)])
            }
        }
    }

    private init(type: EventType, events: ArraySlice<DomainEvent>) {
        self.type = type
        self.eventIds = events.map(\.eventId)
        self.body = Self.body(of: events.map { $0.encoded() })
        // ISO 8601 in UTC with a fixed number of digits: text order is time order.
        self.occurredAt = events.map(\.occurredAt).min()!
    }

    /// A bundle's body: the events' bodies, one per line.
    public static func body(of events: [[UInt8]]) -> [UInt8] {
        Array(events.joined(separator: [separator]))
    }

    /// The events' bodies, one per line, as the consumer reads them. An
    /// empty line is a part too: it fails as an event would, alone.
    public static func parts(of body: [UInt8]) -> [ArraySlice<UInt8>] {
        body.split(separator: separator, omittingEmptySubsequences: false)
    }

    static let separator = UInt8(ascii: "\n")
}
