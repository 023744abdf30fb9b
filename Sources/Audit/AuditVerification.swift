import Domain
import PostgresClient

/// `flexfin audit verify` and `GET /v1/audit/verify`: recomputes the whole
/// chain from row 1 under the configured audit keys, a chunk at a time, and
/// names the first row that does not fit.
public enum AuditVerification {
    public struct Report: Sendable {
        public let rows: Int64
        public let firstBreak: AuditChain.Break?
    }

    public static func run(
        on database: PostgresConnection, keys: AuditKeyRing = .configuredOrExit, chunk: Int = 10_000
    ) throws -> Report {
        try database.transaction(.repeatableRead) { db in
            var position = AuditChain.Position.start
            var checked: Int64 = 0
            while true {
                // Keyset paging; a gap still shows, as verify checks seq continuity.
                let rows = try db.execute(
                    prepared: """
                        SELECT seq, event_id, event_type, body, prev_hash, hash, key_id FROM audit_log
                        WHERE seq > $1 ORDER BY seq LIMIT $2
                        """, [position.seq, chunk])
                guard !rows.isEmpty else { return Report(rows: checked, firstBreak: AuditChain.verifyEnd(position, keys: keys)) }
                let chain = try (0..<rows.count).map {
                    try AuditChain.Row(
                        seq: rows.decode($0, "seq"), eventId: rows.decode($0, "event_id"), eventType: rows.decode($0, "event_type"),
                        body: rows.decode($0, "body"), prevHash: rows.decode($0, "prev_hash"), hash: rows.decode($0, "hash"),
                        keyId: rows.decode($0, "key_id"))
                }
                if let broken = AuditChain.verify(chain, from: &position, keys: keys) { return Report(rows: checked, firstBreak: broken) }
                checked += Int64(chain.count)
            }
        }
    }
}
