import Domain
import PostgresClient
import Synchronization

/// What a score needs to know about the transfers and accounts a user's
/// money moved through, read by id and remembered: a transfer never changes
/// once written, nor does who stands behind an account, and a ledger entry
/// is never changed or removed: a user's movements are read once, and then
/// only the entries after them. (Joining each entry to its transfer was two
/// thirds of the evidence read, the parties behind the accounts another
/// 70,000 rows per mixed run, and reading every user's 90 days again on
/// each rescoring 230,000 entries for some 40,000 new ones.)
/// A worker keeps one for its life; a recomputation that must not trust the
/// worker's memory starts with an empty one.
public final class LedgerFacts: Sendable {
    public struct Transfer: Sendable {
        public let kind: String
        public let debitAccount: String
        public let creditAccount: String
    }

    /// Who stands behind an account: a wallet's owner; for a milestone's
    /// escrow, the project's client (the payer of its release).
    public struct Party: Sendable {
        public let owner: String?
        public let client: String?
        /// An escrow account read before its milestone was: asked again next time.
        let settled: Bool
    }

    /// A user's wallet movements in one currency as far as they were read:
    /// each wallet's last entry read, and the movements (of the window and
    /// the day before it; older ones are dropped).
    /// Read on from `through`: every posting locks the wallets it moves
    /// (`LedgerStore.lockAccounts`) before its entries take their ids and
    /// until it commits, so a wallet's entries become visible in id order,
    /// and one past `through` was not yet visible when `through` was read.
    struct History: Sendable {
        let currency: Currency
        var through: [String: Int64]
        var movements: [RiskEvidence.Movement]
    }

    /// Bounds memory (about 100 bytes a transfer or a party): past it, a
    /// memory is forgotten and read again as needed (only the new entries
    /// need their transfers).
    private let capacity: Int
    /// Bounds the users' movements (about 60 bytes each). Every rescoring
    /// needs its users' whole window, so this must hold the window of the
    /// users being scored: forgetting it all on overflow and reading every
    /// window again each batch was a cliff at a million commands (PostgreSQL
    /// busy reading windows, the risk queue at a few dozen requests a second).
    private let movementCapacity: Int
    private let knownTransfers = Mutex<[Int64: Transfer]>([:])
    private let knownParties = Mutex<[String: Party]>([:])
    private let knownHistories = Mutex<(histories: [String: History], movements: Int)>(([:], 0))
    private let entries = Atomic<Int>(0)

    public init(capacity: Int = 250_000, movementCapacity: Int = 4_000_000) {
        (self.capacity, self.movementCapacity) = (capacity, movementCapacity)
    }

    /// How many ledger entries the evidence reads fetched through this memory.
    public var entriesRead: Int { entries.load(ordering: .relaxed) }

    /// What is remembered of these users' movements in `currency`.
    func histories(of users: [String], in currency: Currency) -> [String: History] {
        knownHistories.withLock { known in
            var found: [String: History] = [:]
            for user in users { if let history = known.histories[user], history.currency == currency { found[user] = history } }
            return found
        }
    }

    /// Remembers these users' movements (nil: forget the user's), after an
    /// evidence read that fetched `read` entries.
    func remember(_ histories: [String: History?], read: Int) {
        entries.add(read, ordering: .relaxed)
        knownHistories.withLock { known in
            for (user, history) in histories {
                known.movements += (history?.movements.count ?? 0) - (known.histories[user]?.movements.count ?? 0)
                known.histories[user] = history
            }
            if known.movements > movementCapacity { known = ([:], 0) }
        }
    }

    /// The transfers with these ids; only the ones not remembered are read.
    public func transfers(_ ids: Set<Int64>, in database: PostgresConnection) throws -> [Int64: Transfer] {
        try remembered(ids, in: knownTransfers) { missing in
            let rows = try database.execute(
                prepared: """
                    SELECT t.id, t.kind, t.debit_account, t.credit_account FROM unnest($1::bigint[]) AS wanted(id) JOIN transfers t ON t.id = wanted.id
                    """, [missing.sorted()])
            return try (0..<rows.count).map { row in
                (
                    try rows.decode(row, "id"),
                    Transfer(
                        kind: try rows.decode(row, "kind"), debitAccount: try rows.decode(row, "debit_account"),
                        creditAccount: try rows.decode(row, "credit_account"))
                )
            }
        }
    }

    /// The parties behind these accounts; only the ones not remembered are read.
    public func parties(_ accounts: Set<String>, in database: PostgresConnection) throws -> [String: Party] {
        try remembered(accounts, in: knownParties) { missing in
            let rows = try database.execute(
                prepared: """
                    SELECT a.id, a.user_id, p.client_id, a.kind <> 'escrow' OR p.client_id IS NOT NULL AS settled FROM unnest($1::text[]) AS wanted(id)
                    JOIN accounts a ON a.id = wanted.id LEFT JOIN milestones m ON m.escrow_account = a.id LEFT JOIN projects p ON p.id = m.project_id
                    """, [missing.sorted()])
            return try (0..<rows.count).map { row in
                (
                    try rows.decode(row, "id"),
                    Party(
                        owner: try rows.decode(row, "user_id"), client: try rows.decode(row, "client_id"),
                        settled: try rows.decode(row, "settled"))
                )
            }
        } keep: {
            $0.settled
        }
    }

    /// One routine for both memories: what is remembered comes from memory,
    /// the rest from `read`, and what `keep` allows is remembered.
    private func remembered<Key: Hashable & Sendable, Value: Sendable>(
        _ keys: Set<Key>, in memory: borrowing Mutex<[Key: Value]>, read: (Set<Key>) throws -> [(Key, Value)],
        keep: (Value) -> Bool = { _ in true }
    ) throws -> [Key: Value] {
        // One pass: looking each key up again to tell what is missing was a
        // third of this routine's hashing (the risk worker asks for some 13,000 a batch).
        var found: [Key: Value] = [:]
        var missing: Set<Key> = []
        found.reserveCapacity(keys.count)
        memory.withLock { known in
            for key in keys {
                if let value = known[key] { found[key] = value } else { missing.insert(key) }
            }
        }
        guard !missing.isEmpty else { return found }
        let fresh = try read(missing)
        for (key, value) in fresh { found[key] = value }
        memory.withLock { known in
            if known.count + fresh.count > capacity { known.removeAll(keepingCapacity: true) }
            for (key, value) in fresh where keep(value) { known[key] = value }
        }
        return found
    }
}
