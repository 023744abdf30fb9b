import Domain
import Foundation
import PostgresClient

/// The batch transaction: inbox, the handler's effects, rejections and the
/// outbox, all or nothing.
extension Lane {
    struct Applied {
        var effects = BatchEffects()
        var entries: [Outbox.Entry] = []
        var failures: [FailedMessage] = []
        /// Fresh messages whose outcome committed, and those of them rejected.
        var processed = 0, rejected = 0
        var duplicates = 0, conflicts = 0

        mutating func merge(_ other: Applied) {
            effects.merge(other.effects)
            entries += other.entries
            failures += other.failures
            processed += other.processed
            rejected += other.rejected
            duplicates += other.duplicates
            conflicts += other.conflicts
        }
    }

    /// One transaction for the batch. A deadlock or serialization failure
    /// retries it (a few times); a lost connection throws (nothing is acked,
    /// the broker redelivers); any other failure, a lock wait that timed out
    /// included, splits the batch in halves, down to a single message that
    /// fails alone (and is retried later through the tiers), so one bad
    /// command or one stuck wallet cannot stall its neighbours.
    func apply(_ items: [Item], confirmed: [Outbox.Entry], _ database: PostgresConnection) throws -> Applied {
        guard !items.isEmpty else {
            try Outbox.markPublished(confirmed, in: database)
            return Applied()
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try database.transaction { db in
                    try Outbox.markPublished(confirmed, in: db)
                    return try applyOnce(items, db)
                }
            } catch let error as PostgresError where error.isRetryable && (!database.isConnected || error.sqlState.errorClass == "08") {
                throw error
            } catch let error as PostgresError where Self.retriedInPlace.contains(error.sqlState) && attempt < 5 {
                log.notice("transaction retried", metadata: ["sqlstate": "\(error.sqlState)", "attempt": "\(attempt)"])
                Thread.sleep(forTimeInterval: Double.random(in: 0.001...0.01) * Double(attempt))
            } catch {
                guard items.count > 1 else {
                    let errorClass: FailedMessage.ErrorClass = ServiceError.isRetryable(error) == true ? .transient : .unexpected
                    return Applied(failures: [FailedMessage(delivery: items[0].delivery, error: "\(error)", errorClass: errorClass)])
                }
                log.notice("batch failed; retrying in halves", metadata: ["size": "\(items.count)", "error": "\(error)"])
                var applied = try apply(Array(items[..<(items.count / 2)]), confirmed: confirmed, database)
                applied.merge(try apply(Array(items[(items.count / 2)...]), confirmed: [], database))
                return applied
            }
        }
    }

    /// Failures that a second try of the same transaction usually avoids.
    private static var retriedInPlace: Set<PostgresError.SQLState> { [.deadlockDetected, .serializationFailure] }

    private func applyOnce(_ items: [Item], _ database: PostgresConnection) throws -> Applied {
        let ids = items.map { handler.id(of: $0.message) }
        let digests = items.map { handler.digest(of: $0.message) }
        let keys = items.map { item -> String? in
            if case .string(let key)? = item.delivery.message.properties.headers[MessageHeader.submittedBy] { key } else { nil }
        }
        let fresh =
            handler.isIdempotentByNaturalKey
            ? Set(ids) : try Inbox.admit(items.indices.map { (ids[$0], digests[$0], keys[$0]) }, consumer: handler.name, in: database)
        // By index: the lane is generic, so a tuple copied is a runtime copy of every field.
        let messages = items.indices.filter { fresh.contains(ids[$0]) }.map { items[$0].message }
        var effects = messages.isEmpty ? BatchEffects() : try handler.apply(messages, in: database)
        // Each event names the key that submitted the command it follows from.
        let submitters: [String: String] = Dictionary(
            items.indices.compactMap { index in keys[index].map { (ids[index], $0) } }, uniquingKeysWith: { first, _ in first })
        if !submitters.isEmpty {
            for index in effects.events.indices { effects.events[index].submittedBy = submitters[effects.events[index].commandId] }
        }
        let at = CommandStatus.timestamp()
        let seenBefore = items.indices.filter { !fresh.contains(ids[$0]) }
        var conflicts: [(id: String, digest: String, body: [UInt8])] = []
        if !seenBefore.isEmpty {
            // Seen before: a redelivery (same content: no effect) or a
            // reused id (other content: a conflict, kept and refused).
            let recorded = try Inbox.recorded(seenBefore.map { ids[$0] }, consumer: handler.name, in: database)
            var duplicates: [Handler.Message] = []
            for index in seenBefore {
                let id = ids[index]
                guard let first = recorded[id], let digest = digests[index], let firstDigest = first.digest, digest != firstDigest else {
                    duplicates.append(items[index].message)
                    if handler.hasStatus(type: items[index].delivery.message.properties.type), let first = recorded[id],
                        let state = CommandStatus.State(rawValue: first.outcome)
                    {
                        effects.cache.append(CommandStatus(state, at: at, reason: first.reason).write(id))
                    }
                    continue
                }
                conflicts.append((id, digest, items[index].delivery.message.body))
                let reason = """
                    the id was first used for a different command (\(first.outcome)\(first.reason.map { ": \($0)" } ?? ""), \
                    content \(firstDigest.prefix(12))…); this one (content \(digest.prefix(12))…) was not applied
                    """
                log.warning("conflict: a command reused an id", metadata: ["message_id": "\(id)", "reason": "\(reason)"])
                effects.cache.append(CommandStatus(.conflict, at: at, reason: reason).write(id))
            }
            effects.cache += try handler.repairCache(for: duplicates, in: database)
            try Inbox.recordConflicts(conflicts, consumer: handler.name, in: database)
        }
        try Inbox.recordRejections(effects.rejections, consumer: handler.name, in: database)
        let entries = Outbox.entries(effects.events)
        try Outbox.insert(entries, in: database)
        for index in items.indices
        where fresh.contains(ids[index]) && handler.hasStatus(type: items[index].delivery.message.properties.type) {
            let id = ids[index]
            let reason = effects.rejections[id]
            effects.cache.append(CommandStatus(reason == nil ? .applied : .rejected, at: at, reason: reason).write(id))
        }
        return Applied(
            effects: effects, entries: entries, processed: messages.count - effects.alreadyApplied.count,
            rejected: effects.rejections.count, duplicates: seenBefore.count - conflicts.count + effects.alreadyApplied.count,
            conflicts: conflicts.count)
    }
}
