import Domain
import Foundation
import PostgresClient

/// The audit log a page at a time, oldest first by `seq` (assigned under
/// the chain's lock, so in commit order: a cursor never skips a row), for
/// `GET /v1/audit` and its CSV export.
public struct AuditLogPage: Sendable {
    public struct Record: Sendable {
        public let seq: Int64
        public let eventId: String
        public let eventType: String
        public let recordedAt: String
        /// The event as published, byte for byte.
        public let body: String
        public let hash: String
    }

    public let records: [Record]
    /// Pass as `after` for the next page; nil on the last.
    public let next: Int64?

    public static let maxPage = 1000

    /// `subject`: only events that concern a user (`user_ids`) or name an
    /// account (`data.account`, `payer`, `payee`, `wallet`). The filter reads
    /// each row's body: a scan, fine for an operator's export, not a hot path.
    public static func load(after: Int64?, limit: Int, subject: String?, in database: PostgresConnection) throws -> AuditLogPage {
        let rows = try database.execute(
            prepared: """
                SELECT seq, event_id, event_type, body, hash,
                       to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at
                FROM audit_log
                WHERE seq > $1 AND ($3::text IS NULL OR (body::jsonb -> 'user_ids') ? $3
                      OR $3 IN (body::jsonb #>> '{data,account}', body::jsonb #>> '{data,payer}', body::jsonb #>> '{data,payee}',
                                body::jsonb #>> '{data,wallet}'))
                ORDER BY seq LIMIT $2
                """, [after ?? 0, Int64(limit + 1), subject])
        let records = try (0..<min(rows.count, limit)).map { row in
            Record(
                seq: try rows.decode(row, "seq"), eventId: try rows.decode(row, "event_id"), eventType: try rows.decode(row, "event_type"),
                recordedAt: try rows.decode(row, "recorded_at"), body: try rows.decode(row, "body"), hash: try rows.decode(row, "hash"))
        }
        return AuditLogPage(records: records, next: rows.count > limit ? records.last?.seq : nil)
    }

    public var json: JSONValue {
        .object([
            "records": .array(
                records.map { r in
                    .object([
                        "seq": .integer(r.seq), "event_id": .string(r.eventId), "event_type": .string(r.eventType),
                        "recorded_at": .string(r.recordedAt), "hash": .string(r.hash),
                        "event": (try? JSONValue.parse(Array(r.body.utf8))) ?? .string(r.body),
                    ])
                }),
            "next": next.map(JSONValue.integer) ?? .null,
        ])
    }

    /// RFC 4180: a header line, then one line per record; the event's JSON
    /// in a quoted field with its quotes doubled.
    public var csv: String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        let lines = records.map { r in
            [String(r.seq), r.eventId, r.eventType, r.recordedAt, r.hash, r.body].map(field).joined(separator: ",")
        }
        return (["seq,event_id,event_type,recorded_at,hash,event"] + lines).joined(separator: "\r\n") + "\r\n"
    }
}
