import PostgresClient
import RedisClient

/// Unread notifications per user: counted in PostgreSQL in the transaction
/// that adds or reads them, cached in Redis version-guarded.
public enum UnreadCounter {
    public static func key(_ user: String) -> String { "flexfin:notifications:\(user)" }

    /// Locks the users' counters (created at 0 when new), in user order,
    /// before a batch inserts their notifications: one user's notifications
    /// then commit in the order of their ids (migration 0023).
    static func lock(_ users: [String], in database: PostgresConnection) throws {
        guard !users.isEmpty else { return }
        try database.execute(
            prepared: """
                INSERT INTO notification_counters (user_id, unread, version)
                SELECT u, 0, 0 FROM unnest($1::text[]) AS u ORDER BY u
                ON CONFLICT (user_id) DO UPDATE SET version = notification_counters.version
                """, [users.sorted()])
    }

    /// Adds what a batch inserted (users in order: lanes lock counters alike).
    static func add(_ added: [String: Int], in database: PostgresConnection) throws {
        let users = added.keys.sorted()
        guard !users.isEmpty else { return }
        try database.execute(
            prepared: """
                INSERT INTO notification_counters (user_id, unread, version)
                SELECT u, n, 1 FROM unnest($1::text[], $2::bigint[]) AS x(u, n) ORDER BY u
                ON CONFLICT (user_id) DO UPDATE SET unread = notification_counters.unread + excluded.unread,
                                                    version = notification_counters.version + 1
                """, [users, users.map { Int64(added[$0]!) }])
    }

    /// Marks the user's unread notifications of `events` (all when nil), up
    /// to the notification `upTo` when given, read; returns how many, and
    /// the cache write of the new count.
    public static func markRead(_ user: String, events: [String]?, upTo: Int64? = nil, in database: PostgresConnection) throws -> (
        marked: Int, cache: [RedisCommand]
    ) {
        try database.transaction { db in
            let marked = try db.execute(
                prepared: """
                    UPDATE notifications SET read_at = now()
                    WHERE user_id = $1 AND read_at IS NULL AND ($2::text[] IS NULL OR event_id = ANY($2::text[]))
                      AND ($3::bigint IS NULL OR id <= $3)
                    """, [user, events, upTo]
            ).affectedRows
            guard marked > 0 else { return (0, []) }
            try db.execute(
                prepared: """
                    UPDATE notification_counters SET unread = unread - $2, version = version + 1 WHERE user_id = $1
                    """, [user, Int64(marked)])
            return (marked, try current([user], in: db))
        }
    }

    /// The counters of `users` (everyone's when nil), from PostgreSQL.
    static func current(_ users: [String]?, in database: PostgresConnection) throws -> [RedisCommand] {
        // Two statements, not `$1 IS NULL OR user_id = ANY($1)`: a prepared
        // statement's generic plan for that scans the whole table every batch.
        let rows =
            try users.map {
                try database.execute(
                    prepared: "SELECT user_id, unread, version FROM notification_counters WHERE user_id = ANY($1::text[])", [$0])
            } ?? database.execute(prepared: "SELECT user_id, unread, version FROM notification_counters", [])
        return try (0..<rows.count).map {
            VersionedHash.write(
                key(try rows.decode($0, "user_id")), version: try rows.decode($0, "version"),
                ["unread": String(try rows.decode($0, "unread", as: Int64.self))])
        }
    }
}
