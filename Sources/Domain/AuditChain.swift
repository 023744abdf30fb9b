import Crypto
import Foundation

/// The audit log's hash chain: each row's hash covers the previous row's
/// hash and this row's position and content, so editing, removing or
/// reordering any row breaks every hash from there on.
///
/// Keyed: a row's hash is an HMAC-SHA256 under the audit key its `key_id`
/// names (`AuditKeyRing`), a key kept outside PostgreSQL, so whoever holds
/// the database but not the key cannot recompute the chain after an edit.
/// Rows written before the log was keyed (`key_id` null) hash with plain
/// SHA-256; they may only come first, and the first keyed row covers them
/// through its `prev_hash`.
public enum AuditChain {
    /// The `prev_hash` of row 1.
    public static let genesis = String(repeating: "0", count: 64)

    /// Plain SHA-256 with no key; HMAC-SHA256 under `key`.
    public static func hash(
        previous: String, seq: Int64, eventId: String, eventType: String, body: String, key: [UInt8]? = nil
    ) -> String {
        // Length-prefixed fields: no two different rows hash the same input.
        var input: [UInt8] = []
        for field in [previous, String(seq), eventId, eventType, body] {
            let bytes = Array(field.utf8)
            input += Array("\(bytes.count):".utf8) + bytes
        }
        guard let key else { return Hex.encode(SHA256.hash(data: input)) }
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: key)))
    }

    public struct Row: Sendable {
        public let seq: Int64
        public let eventId: String
        public let eventType: String
        public let body: String
        public let prevHash: String
        public let hash: String
        /// The audit key it was written under; nil before the log was keyed.
        public let keyId: String?

        public init(seq: Int64, eventId: String, eventType: String, body: String, prevHash: String, hash: String, keyId: String? = nil) {
            (self.seq, self.eventId, self.eventType, self.body, self.prevHash, self.hash, self.keyId) = (
                seq, eventId, eventType, body, prevHash, hash, keyId
            )
        }
    }

    public struct Break: Error, Sendable, Equatable, CustomStringConvertible {
        public let seq: Int64
        public let problem: String
        public var description: String { "audit_log row seq \(seq): \(problem)" }
    }

    /// Where a verification stands after a chunk of rows.
    public struct Position: Sendable {
        public var seq: Int64
        public var hash: String
        /// Whether a keyed row was seen: from then on every row must be.
        public var keyed: Bool

        public static let start = Position(seq: 0, hash: genesis, keyed: false)
    }

    /// Checks rows in seq order, continuing from `position`. Returns the
    /// first break, or nil (and `position` moved past the rows).
    public static func verify(_ rows: [Row], from position: inout Position, keys: AuditKeyRing) -> Break? {
        for row in rows {
            guard row.seq == position.seq + 1 else {
                return Break(seq: row.seq, problem: "expected seq \(position.seq + 1): a row is missing or out of place")
            }
            guard row.prevHash == position.hash else {
                return Break(seq: row.seq, problem: "prev_hash does not match the hash of row \(position.seq)")
            }
            var key: [UInt8]?
            if let id = row.keyId {
                guard let known = keys.keys[id] else {
                    return Break(seq: row.seq, problem: "written under audit key \(id), which is not configured")
                }
                key = known
            } else if position.keyed {
                return Break(seq: row.seq, problem: "an unkeyed row after keyed ones (the chain was recomputed without the key?)")
            }
            let expected = hash(
                previous: position.hash, seq: row.seq, eventId: row.eventId, eventType: row.eventType, body: row.body, key: key)
            guard row.hash == expected else {
                return Break(seq: row.seq, problem: "content does not match its hash (edited?)")
            }
            position = Position(seq: row.seq, hash: row.hash, keyed: position.keyed || key != nil)
        }
        return nil
    }

    /// The end of the log checked: a log whose newest row is unkeyed while
    /// a key signs new rows was stripped of its keys and recomputed (the
    /// audit worker writes every row under the signing key).
    public static func verifyEnd(_ position: Position, keys: AuditKeyRing) -> Break? {
        guard position.seq > 0, !position.keyed, keys.signing != nil else { return nil }
        return Break(
            seq: position.seq,
            problem:
                "the newest row is unkeyed while audit key \(keys.signing!.id) signs new rows (the chain was recomputed without the key?)")
    }
}

/// The audit keys: the one new rows are written under (the last
/// configured), and every key a row may name, so old segments still verify
/// after a rotation. Read from `FLEXFIN_AUDIT_KEY_FILE`: one key a line,
/// `<id> <secret, 64 hex digits>`, the newest last. Kept out of PostgreSQL.
public struct AuditKeyRing: Sendable {
    /// Secrets as bytes (Crypto's `SymmetricKey` is not `Sendable`).
    public let signing: (id: String, key: [UInt8])?
    public let keys: [String: [UInt8]]

    /// The key every local setup (and every test) uses when none is
    /// configured: public, so it protects nothing against a database
    /// owner; `FLEXFIN_ENV=local` only.
    public static let local = try! AuditKeyRing(text: "local \(String(repeating: "6c", count: 32))")

    public init(text: String) throws(AuditKeyError) {
        var signing: (String, [UInt8])?
        var keys: [String: [UInt8]] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard !fields.isEmpty, !fields[0].hasPrefix("#") else { continue }
            guard fields.count == 2, let secret = Hex.decode(String(fields[1])), secret.count >= 32 else {
                throw AuditKeyError(line: number + 1, problem: "must be `<id> <secret: at least 64 hex digits>`")
            }
            let id = String(fields[0])
            guard keys[id] == nil else { throw AuditKeyError(line: number + 1, problem: "key id \(id) appears twice") }
            keys[id] = secret
            signing = (id, keys[id]!)
        }
        (self.signing, self.keys) = (signing, keys)
    }
}

public struct AuditKeyError: Error, CustomStringConvertible {
    /// 0: the file as a whole.
    public let line: Int
    public let problem: String
    public init(line: Int, problem: String) { (self.line, self.problem) = (line, problem) }
    public var description: String { "audit key file, line \(line): \(problem)" }
}
