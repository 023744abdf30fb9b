import Foundation
import PostgresClient

/// The batch transaction: inbox, the handler's effects, rejections and the
/// outbox, all or nothing.
extension Lane {
    struct Applied {
        var effects = BatchEffects()
        var entries: [Outbox.Entry] = []
        var failures: [FailedMessage] = []

        mutating func merge(_ other: Applied) {
            effects.merge(other.effects)
            entries += other.entries
            failures += other.failures
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
        let fresh = handler.isIdempotentByNaturalKey ? Set(ids) : try Inbox.admit(ids, consumer: handler.name, in: database)
        let messages = zip(ids, items).filter { fresh.contains($0.0) }.map(\.1.message)
        var effects = messages.isEmpty ? BatchEffects() : try handler.apply(messages, in: database)
        let duplicates = zip(ids, items).filter { !fresh.contains($0.0) }
        let at = CommandStatus.timestamp()
        if !duplicates.isEmpty {
            effects.cache += try handler.repairCache(for: duplicates.map(\.1.message), in: database)
            if handler.recordsCommandStatus {
                effects.cache += try Inbox.outcomes(duplicates.map(\.0), consumer: handler.name, in: database)
                    .map { CommandStatus.write($0.id, status: $0.outcome, reason: $0.reason, at: at) }
            }
        }
        try Inbox.recordRejections(effects.rejections, consumer: handler.name, in: database)
        let entries = Outbox.entries(effects.events)
        try Outbox.insert(entries, in: database)
        if handler.recordsCommandStatus {
            for id in fresh {
                let reason = effects.rejections[id]
                effects.cache.append(CommandStatus.write(id, status: reason == nil ? "applied" : "rejected", reason: reason, at: at))
            }
        }
        return Applied(effects: effects, entries: entries)
    }
}
