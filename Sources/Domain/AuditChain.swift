import Crypto
import Foundation

/// The audit log's hash chain: each row's hash covers the previous row's
/// hash and this row's position and content, so editing, removing or
/// reordering any row breaks every hash from there on.
public enum AuditChain {
    /// The `prev_hash` of row 1.
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(previous: String, seq: Int64, eventId: String, eventType: String, body: String) -> String {
        var hasher = SHA256()
        // Length-prefixed fields: no two different rows hash the same input.
        for field in [previous, String(seq), eventId, eventType, body] {
            let bytes = Array(field.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        return Hex.encode(hasher.finalize())
    }

    public struct Row: Sendable {
        public let seq: Int64
        public let eventId: String
        public let eventType: String
        public let body: String
        public let prevHash: String
        public let hash: String

        public init(seq: Int64, eventId: String, eventType: String, body: String, prevHash: String, hash: String) {
            self.seq = seq
            self.eventId = eventId
            self.eventType = eventType
            self.body = body
            self.prevHash = prevHash
            self.hash = hash
        }
    }

    public struct Break: Error, Sendable, Equatable, CustomStringConvertible {
        public let seq: Int64
        public let problem: String
        public var description: String { "audit_log row seq \(seq): \(problem)" }
    }

    /// Checks rows in seq order, continuing from `previous` (the last good
    /// row's seq and hash). Returns the first break, or nil.
    public static func verify(_ rows: [Row], after previous: (seq: Int64, hash: String)) -> Break? {
        var (lastSeq, lastHash) = previous
        for row in rows {
            guard row.seq == lastSeq + 1 else {
                return Break(seq: row.seq, problem: "expected seq \(lastSeq + 1): a row is missing or out of place")
            }
            guard row.prevHash == lastHash else {
                return Break(seq: row.seq, problem: "prev_hash does not match the hash of row \(lastSeq)")
            }
            let expected = hash(previous: lastHash, seq: row.seq, eventId: row.eventId, eventType: row.eventType, body: row.body)
            guard row.hash == expected else {
                return Break(seq: row.seq, problem: "content does not match its hash (edited?)")
            }
            (lastSeq, lastHash) = (row.seq, row.hash)
        }
        return nil
    }
}
