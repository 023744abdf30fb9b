import Domain
import Foundation
import RedisClient

/// Where a command is in its life: `accepted` → `retrying` → `applied` |
/// `rejected` | `dead-lettered` | `conflict`; over HTTP, above its key's
/// ceiling, first `pending_approval` → `accepted` (approved) | `declined`. Redis holds the fast answer
/// (`flexfin:command:<id>`, JSON); PostgreSQL the durable one (see
/// `CommandStatusLookup`).
public struct CommandStatus: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case accepted, retrying, applied, rejected
        case deadLettered = "dead-lettered"
        case conflict
        /// Held at the door above its key's ceiling: nothing published yet.
        case pendingApproval = "pending_approval"
        /// Declined by an operator: never published.
        case declined
    }

    public var state: State
    /// When it entered this state (ISO 8601).
    public var at: String
    /// `rejected`: the business rule; `conflict`: what the id was first used for.
    public var reason: String?
    /// `retrying` and `dead-lettered`: failures so far, the last one's class and error.
    public var attempts: Int?
    public var errorClass: String?
    public var error: String?
    /// `retrying`: the delay tier; `dead-lettered`: the dead-letter queue.
    public var queue: String?
    /// `retrying`: the earliest time of the next attempt.
    public var nextAttemptAt: String?

    public init(
        _ state: State, at: String, reason: String? = nil, attempts: Int? = nil, errorClass: String? = nil,
        error: String? = nil, queue: String? = nil, nextAttemptAt: String? = nil
    ) {
        (self.state, self.at, self.reason, self.attempts) = (state, at, reason, attempts)
        (self.errorClass, self.error, self.queue, self.nextAttemptAt) = (errorClass, error, queue, nextAttemptAt)
    }

    public static let ttlSeconds = 7 * 24 * 3600

    public static func key(_ commandId: String) -> String { "flexfin:command:\(commandId)" }

    /// When a status was recorded; taken once per batch, not per command.
    public static func timestamp(_ date: Date = Date()) -> String { date.formatted(.iso8601) }

    /// Applied and rejected never change once recorded (the inbox row is
    /// final); every other state may have moved on while a write to Redis
    /// was skipped, so PostgreSQL is asked.
    public var isFinal: Bool { state == .applied || state == .rejected }

    /// The cache write of this status.
    public func write(_ commandId: String) -> RedisCommand {
        .plain(["SET", Self.key(commandId), json.serialized, "EX", String(Self.ttlSeconds)])
    }

    /// `accepted`, written by the producer after the broker's confirm. The
    /// worker may already have recorded what followed: NX never overwrites it.
    public static func accepted(_ commandId: String, at: String) -> RedisCommand {
        .plain(["SET", key(commandId), CommandStatus(.accepted, at: at).json.serialized, "EX", String(ttlSeconds), "NX"])
    }

    public var json: JSONValue {
        var fields: JSONObject = ["status": .string(state.rawValue), "at": .string(at)]
        fields["reason"] = reason.map(JSONValue.string)
        fields["attempts"] = attempts.map { .integer(Int64($0)) }
        fields["error_class"] = errorClass.map(JSONValue.string)
        fields["error"] = error.map(JSONValue.string)
        fields["queue"] = queue.map(JSONValue.string)
        fields["next_attempt_at"] = nextAttemptAt.map(JSONValue.string)
        return .object(fields)
    }

    /// Reads a cached status; nil for anything else.
    public init?(cached: String) {
        guard case .object(let fields)? = try? JSONValue.parse(Array(cached.utf8)),
            case .string(let name)? = fields["status"], let state = State(rawValue: name),
            case .string(let at)? = fields["at"]
        else { return nil }
        func text(_ key: String) -> String? { if case .string(let value)? = fields[key] { value } else { nil } }
        var attempts: Int?
        if case .integer(let count)? = fields["attempts"] { attempts = Int(count) }
        self.init(
            state, at: at, reason: text("reason"), attempts: attempts, errorClass: text("error_class"),
            error: text("error"), queue: text("queue"), nextAttemptAt: text("next_attempt_at"))
    }
}
