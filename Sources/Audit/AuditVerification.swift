import Domain
import PostgresClient

/// `flexfin audit verify`: recomputes the whole chain from row 1, a chunk
/// at a time, and names the first row that does not fit.
public enum AuditVerification {
    public struct Report: Sendable {
        public let rows: Int64
        public let firstBreak: AuditChain.Break?
    }

    public static func run(on database: PostgresConnection, chunk: Int = 10_000) throws -> Report {
        try database.transaction(.repeatableRead) { db in
            var last: (seq: Int64, hash: String) = (0, AuditChain.genesis)
            var checked: Int64 = 0
            while true {
                // Keyset paging; a gap still shows, as verify checks seq continuity.
                let rows = try db.execute(
                    prepared: """
                        SELECT seq, event_id, event_type, body, prev_hash, hash FROM audit_log
                        WHERE seq > $1 ORDER BY seq LIMIT $2
                        """, [last.seq, chunk])
                guard !rows.isEmpty else { return Report(rows: checked, firstBreak: nil) }
                let chain = try (0..<rows.count).map {
                    try AuditChain.Row(
                        seq: rows.decode($0, "seq"), eventId: rows.decode($0, "event_id"), eventType: rows.decode($0, "event_type"),
                        body: rows.decode($0, "body"), prevHash: rows.decode($0, "prev_hash"), hash: rows.decode($0, "hash"))
                }
                if let broken = AuditChain.verify(chain, after: last) { return Report(rows: checked, firstBreak: broken) }
                last = (chain.last!.seq, chain.last!.hash)
                checked += Int64(chain.count)
            }
        }
    }
}
