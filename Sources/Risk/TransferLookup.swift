import PostgresClient
import Synchronization

/// What a score needs of a transfer (its kind, its two accounts), read by
/// id and remembered: a transfer is never changed once written, so what was
/// read once is still true. Rescoring a user reads their 90 days of ledger
/// entries again each time; joining each entry to its transfer was two
/// thirds of that read (measured on the mixed workload's ledger).
/// A worker keeps one for its life; a recomputation that must not trust the
/// worker's memory starts with an empty one.
public final class TransferLookup: Sendable {
    public struct Transfer: Sendable {
        public let kind: String
        public let debitAccount: String
        public let creditAccount: String
    }

    /// Bounds memory (about 100 bytes a transfer): past it, everything is
    /// forgotten and read again as needed.
    private let capacity: Int
    private let known = Mutex<[Int64: Transfer]>([:])

    public init(capacity: Int = 250_000) { self.capacity = capacity }

    /// The transfers with these ids; only the ones not remembered are read.
    public func transfers(_ ids: Set<Int64>, in database: PostgresConnection) throws -> [Int64: Transfer] {
        var found = known.withLock { known in ids.reduce(into: [Int64: Transfer]()) { $0[$1] = known[$1] } }
        let missing = ids.filter { found[$0] == nil }
        guard !missing.isEmpty else { return found }
        let rows = try database.execute(prepared: """
            SELECT t.id, t.kind, t.debit_account, t.credit_account FROM unnest($1::bigint[]) AS wanted(id) JOIN transfers t ON t.id = wanted.id
            """, [missing.sorted()])
        var read: [Int64: Transfer] = [:]
        for row in 0..<rows.count {
            read[try rows.decode(row, 0)] = Transfer(kind: try rows.decode(row, 1), debitAccount: try rows.decode(row, 2),
                                                     creditAccount: try rows.decode(row, 3))
        }
        found.merge(read) { $1 }
        known.withLock { known in
            if known.count + read.count > capacity { known.removeAll(keepingCapacity: true) }
            known.merge(read) { $1 }
        }
        return found
    }
}
