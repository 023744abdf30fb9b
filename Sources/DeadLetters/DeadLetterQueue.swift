import AMQPClient
import Audit
import DeadLetterRecords
import Domain
import Foundation
import PostgresClient
import Settings
import Topology
import WorkerRuntime

/// An operator's handle on one work queue's dead letters, read from their
/// records (`DeadLetterRecords`): reading never touches the queue.
///
/// Replay publishes each chosen letter from its record with a confirm
/// *before* it marks the record replayed: a crash in between duplicates at
/// worst (the inbox absorbs it), never loses. Replay and purge first take
/// the queue's copies into the record (`DeadLetterIntake`), which removes
/// them from the broker, a message that arrived another way included,
/// unless the caller's own intake runs all the time (the API's).
public final class DeadLetterQueue {
    public let queue: TopologySpec.WorkQueue
    private let settings: ServiceSettings
    private let database: PostgresConnection
    private let takesInFirst: Bool
    /// Replays go in where a retry returns: it routes by queue name to the
    /// work queues alone, so replaying needs no right on the default
    /// exchange (which reaches every queue).
    private let returnExchange: String
    private var letters: [DeadLetterRecords.Held] = []

    /// `name` is a work queue (`commands.payment`) or its DLQ (`commands.payment.dlq`).
    /// `takesInFirst: false` where an intake runs continuously: a second
    /// consumer per operation would only add a connect, a consume and a
    /// close on the broker to each request.
    public init(_ name: String, settings: ServiceSettings, topology: TopologySpec, takesInFirst: Bool = true) throws {
        let base = name.hasSuffix(".dlq") ? String(name.dropLast(4)) : name
        guard let queue = topology.queues.first(where: { $0.name == base }) else {
            throw TopologyError(
                "no dead-letter queue for \"\(name)\": the work queues are \(topology.queues.map(\.name).joined(separator: ", "))")
        }
        self.queue = queue
        self.settings = settings
        self.takesInFirst = takesInFirst
        returnExchange = topology.retry.returnExchange
        database = try settings.connectDatabase()
        letters = try DeadLetterRecords.held(in: queue.deadLetterQueue, database)
    }

    public func list(_ filter: DeadLetterFilter) -> [DeadLetter] {
        letters.map(\.letter).filter { filter.all || filter.isEmpty ? true : filter.matches($0) }
    }

    /// The matching dead letters with their messages as kept (for a dry run
    /// to evaluate).
    public func messages(_ filter: DeadLetterFilter) -> [(letter: DeadLetter, message: AMQPMessage)] {
        letters.filter { filter.matches($0.letter) }.map { ($0.letter, $0.message) }
    }

    /// Every copy in the queue into the record, and the held letters read again.
    private func takeIn() throws {
        if takesInFirst { try DeadLetterIntake.drain([queue.deadLetterQueue], settings: settings) }
        letters = try DeadLetterRecords.held(in: queue.deadLetterQueue, database)
    }

    /// Publishes each matching dead letter to `target` (default: its origin
    /// queue) with a fresh attempt count, and marks its record replayed once
    /// the broker confirmed it, in chunks of up to 100. `perSecond` paces it
    /// (a large replay need not flood the workers); `progress` is told the
    /// count moved so far. The operator action is audited before anything
    /// moves, so a replay killed half-way is on the record too; a second
    /// record says how many moved.
    public func replay(
        _ filter: DeadLetterFilter, to target: String? = nil, actor: String, perSecond: Int? = nil,
        progress: (Int) -> Void = { _ in }
    ) throws -> [DeadLetter] {
        try takeIn()
        let chosen = letters.filter { filter.matches($0.letter) }
        let destination = target ?? "origin queue"
        try record(.deadLettersReplayed(action(actor, filter, count: chosen.count, to: destination)))
        let connection = try settings.connectBroker()
        defer { connection.close() }
        let publishing = try connection.openChannel()
        try publishing.enableConfirms()
        let started = Date()
        let chunk = perSecond.map { min(100, max(1, $0 / 10)) } ?? 100
        var moved = 0
        for start in stride(from: 0, to: chosen.count, by: chunk) {
            let part = chosen[start..<min(start + chunk, chosen.count)]
            for item in part {
                var message = item.message
                message.properties.headers[MessageHeader.attempts] = nil
                message.properties.headers[MessageHeader.deadLetterId] = nil
                message.properties.headers[MessageHeader.replayedAt] = .string(Date().formatted(.iso8601))
                message.properties.headers[MessageHeader.replayedBy] = .string(actor)
                try publishing.publish(exchange: returnExchange, routingKey: target ?? item.letter.originQueue, message: message)
            }
            try publishing.waitForConfirms()
            for (queue, items) in Dictionary(grouping: part, by: { target ?? $0.letter.originQueue }) {
                try DeadLetterRecords.markReplayed(items.map(\.letter.letterId), to: queue, by: actor, in: database)
            }
            moved += part.count
            progress(moved)
            if let perSecond {
                Thread.sleep(until: started.addingTimeInterval(Double(moved) / Double(max(perSecond, 1))))
            }
        }
        try record(.deadLettersReplayCompleted(action(actor, filter, count: moved, to: destination)))
        return chosen.map(\.letter)
    }

    /// Drops each matching dead letter: its record keeps a tombstone.
    public func purge(_ filter: DeadLetterFilter, actor: String) throws -> [DeadLetter] {
        try takeIn()
        let chosen = letters.filter { filter.matches($0.letter) }
        // On the record before anything is dropped.
        try record(.deadLettersPurged(action(actor, filter, count: chosen.count, ids: chosen.map(\.letter.id))))
        try DeadLetterRecords.purge(chosen.map(\.letter.letterId), by: actor, in: database)
        return chosen.map(\.letter)
    }

    private func action(_ actor: String, _ filter: DeadLetterFilter, count: Int, to: String? = nil, ids: [String]? = nil)
        -> DeadLetterAction
    {
        DeadLetterAction(actor: actor, queue: queue.deadLetterQueue, filter: filter.description, count: count, to: to, ids: ids)
    }

    /// Every replay and purge enters the hash-chained audit log, through the
    /// audit worker's own append.
    private func record(_ action: EventPayload) throws {
        try database.transaction { try AuditHandler.record(action, in: $0) }
    }
}
