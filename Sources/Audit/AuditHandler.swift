import Domain
import PostgresClient
import WorkerRuntime

/// Appends every event to the hash-chained audit log, a batch at a time,
/// each row keyed with the signing audit key (`AuditChain`).
/// The queue has a single active consumer; a transaction-scoped advisory
/// lock keeps the chain linear even if two audit workers ever overlap.
public struct AuditHandler: EventSubscriber {
    public struct Record: Sendable {
        let eventId: String
        let type: String
        let body: String
    }

    public let consumer = Consumer.audit
    public let queue = "events.audit"
    /// `audit_log.event_id` is unique: an event already chained is skipped.
    public var isIdempotentByNaturalKey: Bool { true }
    static let chainLock: Int64 = 0x464C_4558_4155_44  // "FLEXAUD"

    let keys: AuditKeyRing

    public init(keys: AuditKeyRing = .configuredOrExit) { self.keys = keys }

    public func decode(_ message: InboundMessage) throws(InvalidMessage) -> Record {
        let event = try DomainEvent(body: message.body)
        return Record(eventId: event.eventId, type: event.type.rawValue, body: String(decoding: message.body, as: UTF8.self))
    }

    /// Every event is on the record.
    public static func subscribes(to type: EventType) -> Bool {
        switch type {
        case .paymentCompleted, .paymentRejected, .milestoneCompleted, .milestoneRejected, .debtRepaid, .debtPaidOff,
            .debtRepaymentRejected, .riskRecalculated, .riskChanged, .deadLettersReplayed, .deadLettersReplayCompleted,
            .deadLettersPurged, .commandApproved, .commandDeclined, .projectCreated, .projectRejected, .accountOpened, .accountFrozen,
            .accountUnfrozen, .accountClosed,
            .accountRejected, .depositCompleted,
            .depositRejected,
            .withdrawalRequested, .withdrawalSettled, .withdrawalFailed, .withdrawalRejected, .milestoneFunded, .milestoneFundingRejected,
            .milestoneCancelled, .milestoneCancellationRejected, .debtOpened, .debtOpeningRejected:
            true
        }
    }

    public func id(of record: Record) -> String { record.eventId }

    public func apply(_ incoming: [Record], in database: PostgresConnection) throws -> BatchEffects {
        try database.execute(prepared: "SELECT pg_advisory_xact_lock($1)", [Self.chainLock])
        // Both reads are planned each time, not prepared: a plan cached
        // while the log was small (a fresh database) scans the whole log,
        // batch after batch (here, every event id against every row: 0.5 s a batch at 30,000 rows).
        let known = try database.query("SELECT event_id FROM audit_log WHERE event_id = ANY($1::text[])", [incoming.map(\.eventId)])
        let chained = Set(try (0..<known.count).map { try known.decode($0, "event_id", as: String.self) })
        let records = incoming.filter { !chained.contains($0.eventId) }
        guard !records.isEmpty else { return BatchEffects(alreadyApplied: chained) }
        let last = try database.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        var seq: Int64 = last.isEmpty ? 0 : try last.decode(0, "seq")
        var previous = last.isEmpty ? AuditChain.genesis : try last.decode(0, "hash", as: String.self)
        let signing = keys.signing ?? AuditKeyRing.local.signing!
        var seqs: [Int64] = []
        var prevHashes: [String] = []
        var hashes: [String] = []
        for record in records {
            seq += 1
            let hash = AuditChain.hash(
                previous: previous, seq: seq, eventId: record.eventId, eventType: record.type, body: record.body, key: signing.key)
            seqs.append(seq)
            prevHashes.append(previous)
            hashes.append(hash)
            previous = hash
        }
        try database.execute(
            prepared: """
                INSERT INTO audit_log (seq, event_id, event_type, body, prev_hash, hash, key_id)
                SELECT *, $7 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                """, [seqs, records.map(\.eventId), records.map(\.type), records.map(\.body), prevHashes, hashes, signing.id])
        return BatchEffects(alreadyApplied: chained)
    }
}
