import Domain
import PostgresClient

/// Exactly-once per consumer: a message id enters the inbox once, in the
/// same transaction as its effects, with the digest of its content.
enum Inbox {
    /// Inserts the ids with their digests and returns the ids that were new.
    /// Sorted, so two lanes inserting overlapping ids take the row locks in
    /// the same order.
    /// `submittedBy`: the API key that submitted each, when one did.
    static func admit(
        _ messages: [(id: String, digest: String?, submittedBy: String?)], consumer: String,
        in database: PostgresConnection
    ) throws -> Set<String> {
        let sorted = messages.sorted { $0.id < $1.id }
        let rows = try database.execute(
            prepared: """
                INSERT INTO inbox (consumer, message_id, digest, submitted_by)
                SELECT $1, m.id, m.digest, m.key FROM unnest($2::text[], $3::text[], $4::text[]) AS m(id, digest, key) ORDER BY m.id
                ON CONFLICT DO NOTHING RETURNING message_id
                """, [consumer, sorted.map(\.id), sorted.map(\.digest), sorted.map(\.submittedBy)])
        return Set(try (0..<rows.count).map { try rows.decode($0, "message_id", as: String.self) })
    }

    static func recordRejections(_ rejections: [String: String], consumer: String, in database: PostgresConnection) throws {
        guard !rejections.isEmpty else { return }
        try database.execute(
            prepared: """
                UPDATE inbox SET outcome = 'rejected', reason = r.reason
                FROM unnest($2::text[], $3::text[]) AS r(id, reason)
                WHERE inbox.consumer = $1 AND inbox.message_id = r.id
                """, [consumer, Array(rejections.keys), Array(rejections.values)])
    }

    struct Recorded {
        let id: String
        let outcome: String
        let reason: String?
        /// nil for a row recorded before digests were.
        let digest: String?
    }

    /// What the inbox holds of ids already in it.
    static func recorded(_ ids: [String], consumer: String, in database: PostgresConnection) throws -> [String: Recorded] {
        let rows = try database.execute(
            prepared: """
                SELECT message_id, outcome, reason, digest FROM inbox WHERE consumer = $1 AND message_id = ANY($2::text[])
                """, [consumer, ids])
        let recorded = try (0..<rows.count).map { row in
            Recorded(
                id: try rows.decode(row, "message_id"), outcome: try rows.decode(row, "outcome"),
                reason: try rows.decode(row, "reason"), digest: try rows.decode(row, "digest"))
        }
        return Dictionary(recorded.map { ($0.id, $0) }) { first, _ in first }
    }

    /// Keeps each command that reused an id for other content, whole.
    static func recordConflicts(
        _ conflicts: [(id: String, digest: String, body: [UInt8])], consumer: String,
        in database: PostgresConnection
    ) throws {
        guard !conflicts.isEmpty else { return }
        try database.execute(
            prepared: """
                INSERT INTO command_conflicts (consumer, message_id, digest, body)
                SELECT $1, c.id, c.digest, decode(c.body, 'hex') FROM unnest($2::text[], $3::text[], $4::text[]) AS c(id, digest, body)
                ON CONFLICT DO NOTHING
                """, [consumer, conflicts.map(\.id), conflicts.map(\.digest), conflicts.map { Hex.encode($0.body) }])
    }
}
