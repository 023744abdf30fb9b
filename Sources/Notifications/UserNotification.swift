import Domain
import PostgresClient

/// A notification as the user reads it.
public struct UserNotification: Sendable {
    /// Rises in commit order per user: the cursor of a page and of "read up to".
    public let id: Int64
    public let eventId: String
    public let eventType: String
    public let kind: String
    public let subject: String
    public let message: String
    public let createdAt: String
    public let readAt: String?

    /// Newest first; `after`: older than that notification.
    public static func list(
        _ user: String, unreadOnly: Bool, after: Int64? = nil, limit: Int, in database: PostgresConnection
    ) throws -> [UserNotification] {
        let rows = try database.execute(
            prepared: """
                SELECT id, event_id, event_type, kind, subject, message, created_at::text AS created_at, read_at::text AS read_at
                FROM notifications
                WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL) AND id < $4 ORDER BY id DESC LIMIT $3
                """, [user, unreadOnly, limit, after ?? Int64.max])
        return try (0..<rows.count).map { row in
            UserNotification(
                id: try rows.decode(row, "id"), eventId: try rows.decode(row, "event_id"), eventType: try rows.decode(row, "event_type"),
                kind: try rows.decode(row, "kind"), subject: try rows.decode(row, "subject"),
                message: try rows.decode(row, "message"), createdAt: try rows.decode(row, "created_at"),
                readAt: try rows.decode(row, "read_at"))
        }
    }

    public var json: JSONValue {
        .object([
            "id": .integer(id), "event_id": .string(eventId), "event_type": .string(eventType), "kind": .string(kind),
            "subject": .string(subject), "message": .string(message), "created_at": .string(createdAt), "read_at": .optional(readAt),
        ])
    }

    /// The user's unread count, from PostgreSQL.
    public static func unread(_ user: String, in database: PostgresConnection) throws -> Int64 {
        let rows = try database.execute(prepared: "SELECT unread FROM notification_counters WHERE user_id = $1", [user])
        return rows.count == 0 ? 0 : try rows.decode(0, "unread")
    }
}
