import PostgresClient

/// A notification as the user reads it.
public struct UserNotification: Sendable {
    public let eventId: String
    public let eventType: String
    public let kind: String
    public let subject: String
    public let message: String
    public let createdAt: String
    public let readAt: String?

    /// Newest first.
    public static func list(_ user: String, unreadOnly: Bool, limit: Int, in database: PostgresConnection) throws -> [UserNotification] {
        let rows = try database.execute(prepared: """
            SELECT event_id, event_type, kind, subject, message, created_at::text, read_at::text FROM notifications
            WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL) ORDER BY created_at DESC, event_id, kind, subject LIMIT $3
            """, [user, unreadOnly, limit])
        return try (0..<rows.count).map { row in
            UserNotification(eventId: try rows.decode(row, 0), eventType: try rows.decode(row, 1), kind: try rows.decode(row, 2),
                             subject: try rows.decode(row, 3), message: try rows.decode(row, 4), createdAt: try rows.decode(row, 5),
                             readAt: try rows.decode(row, 6))
        }
    }

    /// The user's unread count, from PostgreSQL.
    public static func unread(_ user: String, in database: PostgresConnection) throws -> Int64 {
        let rows = try database.execute(prepared: "SELECT unread FROM notification_counters WHERE user_id = $1", [user])
        return rows.count == 0 ? 0 : try rows.decode(0, 0)
    }
}
