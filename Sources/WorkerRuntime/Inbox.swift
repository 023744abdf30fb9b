import PostgresClient

/// Exactly-once per consumer: a message id enters the inbox once, in the
/// same transaction as its effects.
enum Inbox {
    /// Inserts the ids and returns those that were new. Sorted, so two lanes
    /// inserting overlapping ids take the row locks in the same order.
    static func admit(_ ids: [String], consumer: String, in database: PostgresConnection) throws -> Set<String> {
        let rows = try database.execute(prepared: """
            INSERT INTO inbox (consumer, message_id)
            SELECT $1, id FROM unnest($2::text[]) AS id ORDER BY id
            ON CONFLICT DO NOTHING RETURNING message_id
            """, [consumer, ids.sorted()])
        return Set((0..<rows.count).compactMap { rows.string($0, 0) })
    }

    static func recordRejections(_ rejections: [String: String], consumer: String, in database: PostgresConnection) throws {
        guard !rejections.isEmpty else { return }
        try database.execute(prepared: """
            UPDATE inbox SET outcome = 'rejected', reason = r.reason
            FROM unnest($2::text[], $3::text[]) AS r(id, reason)
            WHERE inbox.consumer = $1 AND inbox.message_id = r.id
            """, [consumer, Array(rejections.keys), Array(rejections.values)])
    }

    /// The recorded outcome of ids already in the inbox.
    static func outcomes(_ ids: [String], consumer: String, in database: PostgresConnection) throws
        -> [(id: String, outcome: String, reason: String?)] {
        let rows = try database.execute(prepared: """
            SELECT message_id, outcome, reason FROM inbox WHERE consumer = $1 AND message_id = ANY($2::text[])
            """, [consumer, ids])
        return (0..<rows.count).map { (rows.string($0, 0)!, rows.string($0, 1)!, rows.string($0, 2)) }
    }
}
