import Domain
import PostgresClient
import RedisClient

/// What a worker supplies: its queue, how to read one message, and how to
/// apply a batch of new messages inside the batch's transaction. Retries,
/// inbox, outbox, dead letters, cache writes and acks belong to the runtime.
public protocol BatchHandler: Sendable {
    associatedtype Message: Sendable

    /// Names its inbox rows (exactly-once is per consumer) and its logs.
    var consumer: Consumer { get }
    var queue: String { get }
    /// True when the handler's own rows carry a natural key that makes
    /// `apply` idempotent (inserts `ON CONFLICT DO NOTHING`, counting only
    /// what was inserted): the runtime's inbox row per message is then
    /// redundant work and is skipped. Exactly-once per consumer holds
    /// either way.
    var isIdempotentByNaturalKey: Bool { get }

    /// Validates one message. `InvalidMessage` sends it to the dead-letter
    /// queue at once; it never blocks the batch.
    func decode(_ message: InboundMessage) throws(InvalidMessage) -> Message

    /// The id the inbox deduplicates on (command id or event id).
    func id(of message: Message) -> String

    /// A digest of the message's canonical content, stored with its inbox
    /// row: the same id with another digest is a conflict, not a duplicate.
    /// nil: no such check (events, which only this system writes).
    func digest(of message: Message) -> String?

    /// Applies messages never seen before by this consumer, in order,
    /// within the batch transaction. Throwing rolls the whole batch back.
    func apply(_ messages: [Message], in database: PostgresConnection) throws -> BatchEffects

    /// Cache writes that restore what a crashed earlier attempt may have
    /// committed without caching: called with redelivered messages the
    /// inbox already holds, inside the transaction (read only).
    func repairCache(for duplicates: [Message], in database: PostgresConnection) throws -> [RedisCommand]

    /// Whether a message of this type (as published) is a command, whose
    /// status users can look up (events have none). Told by the type alone,
    /// so the runtime asks without reading the message again.
    func hasStatus(type: String?) -> Bool

    /// Every cache entry the handler keeps, read from PostgreSQL. Written
    /// whenever a lane (re)connects to Redis, so whatever was skipped while
    /// Redis was away, or lost by a Redis restarted from an old snapshot, is
    /// corrected. The writes must be version-guarded: a stale one never wins.
    func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand]
}

/// A handler of events decides, for every event type, whether it acts on
/// it: exhaustive over `EventType`, so a new type stops the build here, and
/// the topology test holds the queue's bindings to the answer.
public protocol EventSubscriber: BatchHandler {
    static func subscribes(to type: EventType) -> Bool
}

/// Most subscribers take each event as it is, deduplicated by its id.
extension EventSubscriber where Message == DomainEvent {
    public func decode(_ message: InboundMessage) throws(InvalidMessage) -> DomainEvent {
        try DomainEvent(body: message.body)
    }

    public func id(of event: DomainEvent) -> String { event.eventId }
}

extension BatchHandler {
    public var name: String { consumer.rawValue }
    /// A queue of one kind answers by its consumer; the risk queue, which
    /// takes both, tells them apart by the message's `type`.
    public func hasStatus(type: String?) -> Bool { consumer.consumesCommands }
    public var isIdempotentByNaturalKey: Bool { false }
    public func digest(of message: Message) -> String? { nil }
    public func repairCache(for duplicates: [Message], in database: PostgresConnection) throws -> [RedisCommand] { [] }
    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] { [] }
}

/// What applying a batch produced, beyond its rows.
public struct BatchEffects: Sendable {
    /// Follow-up events: written to the outbox in the same transaction,
    /// published after commit.
    public var events: [DomainEvent]
    /// Business rejections by message id, with the reason (an outcome, not
    /// an error: recorded in the inbox and the command status).
    public var rejections: [String: String]
    /// Cache writes, pipelined to Redis after commit. Best effort: Redis is
    /// a cache, PostgreSQL the truth.
    public var cache: [RedisCommand]
    /// Ids of messages that a handler idempotent by natural key found
    /// already applied (every row they would write was there): a copy,
    /// counted as absorbed rather than processed. A message that writes no
    /// row cannot be told from its copy and counts as processed.
    public var alreadyApplied: Set<String>

    public init(
        events: [DomainEvent] = [], rejections: [String: String] = [:], cache: [RedisCommand] = [],
        alreadyApplied: Set<String> = []
    ) {
        self.events = events
        self.rejections = rejections
        self.cache = cache
        self.alreadyApplied = alreadyApplied
    }

    public mutating func merge(_ other: BatchEffects) {
        events += other.events
        rejections.merge(other.rejections) { $1 }
        cache += other.cache
        alreadyApplied.formUnion(other.alreadyApplied)
    }
}
