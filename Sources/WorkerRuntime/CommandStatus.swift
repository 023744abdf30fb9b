import Domain
import Foundation
import RedisClient

/// The fast status store of commands in Redis (`flexfin status`, the HTTP
/// API). PostgreSQL's inbox holds the durable outcome; this is a cache.
public enum CommandStatus {
    public static let ttlSeconds = 7 * 24 * 3600

    public static func key(_ commandId: String) -> String { "flexfin:command:\(commandId)" }

    /// When a status was recorded; taken once per batch, not per command.
    public static func timestamp(_ date: Date = Date()) -> String { date.formatted(.iso8601) }

    /// `applied`, `rejected` (with reason) or `dead-lettered` (with reason).
    public static func write(_ commandId: String, status: String, reason: String? = nil, at: String) -> RedisCommand {
        .plain(["SET", key(commandId), json(status, reason, at), "EX", String(ttlSeconds)])
    }

    /// `accepted`, written by the producer after the broker's confirm. The
    /// worker may already have recorded the outcome: NX never overwrites it.
    public static func accepted(_ commandId: String, at: String) -> RedisCommand {
        .plain(["SET", key(commandId), json("accepted", nil, at), "EX", String(ttlSeconds), "NX"])
    }

    /// True unless the cached status is `accepted`: a worker records the
    /// outcome over it, but that write is skipped while Redis is away.
    public static func isOutcome(_ cached: String) -> Bool {
        guard case .object(let fields)? = try? JSONValue.parse(Array(cached.utf8)) else { return false }
        return fields["status"] != .string("accepted")
    }

    private static func json(_ status: String, _ reason: String?, _ at: String) -> String {
        var fields: [String: JSONValue] = ["status": .string(status), "at": .string(at)]
        if let reason { fields["reason"] = .string(reason) }
        return JSONValue.object(fields).serialized
    }
}
