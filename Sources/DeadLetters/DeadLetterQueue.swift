import AMQPClient
import Audit
import Domain
import Foundation
import PostgresClient
import Settings
import Topology

/// An operator's handle on one work queue's dead-letter queue.
///
/// Reading takes every dead letter without acknowledging it; closing the
/// channel hands back what was not acted on, untouched. Replay publishes
/// each chosen message with a confirm *before* it acknowledges the dead
/// letter: a crash in between duplicates at worst (the inbox absorbs it),
/// never loses.
public final class DeadLetterQueue {
    public let queue: TopologySpec.WorkQueue
    private let settings: ServiceSettings
    private let connection: AMQPConnection
    private let reading: AMQPChannel
    private let publishing: AMQPChannel
    private var letters: [(delivery: AMQPDelivery, letter: DeadLetter)] = []
    /// Delivery tags acknowledged (replayed or purged): not handed back.
    private var acted: Set<UInt64> = []

    /// `name` is a work queue (`commands.payment`) or its DLQ (`commands.payment.dlq`).
    public init(_ name: String, settings: ServiceSettings, topology: TopologySpec) throws {
        let base = name.hasSuffix(".dlq") ? String(name.dropLast(4)) : name
        guard let queue = topology.queues.first(where: { $0.name == base }) else {
            throw TopologyError("no dead-letter queue for \"\(name)\": the work queues are \(topology.queues.map(\.name).joined(separator: ", "))")
        }
        self.queue = queue
        self.settings = settings
        connection = try settings.connectBroker()
        reading = try connection.openChannel()
        publishing = try connection.openChannel()
        try publishing.enableConfirms()
        try readAll()
    }

    deinit {
        handBack()
        connection.close()
    }

    /// Returns what was read and not acted on, and waits (up to 3 s) until
    /// the queue holds it again: a quorum queue takes back a closed
    /// channel's deliveries asynchronously, and a reader right after this
    /// one (the API's next request) must see every dead letter.
    private func handBack() {
        let held = letters.count { !acted.contains($0.delivery.deliveryTag) }
        guard held > 0, let last = letters.last?.delivery.deliveryTag else { return }
        do {
            try reading.nack(last, multiple: true, requeue: true)
            let deadline = ContinuousClock.now + .seconds(3)
            while try reading.inspectQueue(queue.deadLetterQueue).messageCount < held, ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.01)
            }
        } catch {
            // Closing the connection hands them back all the same, only later.
        }
    }

    private func readAll() throws {
        try reading.setPrefetch(0)  // unlimited: every dead letter, unacknowledged
        let tag = try reading.consume(queue.deadLetterQueue)
        while let delivery = try connection.nextDelivery(timeout: .milliseconds(300)) {
            letters.append((delivery, DeadLetter(delivery.message, queue: queue.deadLetterQueue)))
        }
        try reading.cancel(consumerTag: tag)
    }

    public func list(_ filter: DeadLetterFilter) -> [DeadLetter] {
        letters.map(\.letter).filter { filter.all || filter.isEmpty ? true : filter.matches($0) }
    }

    /// The matching dead letters with their messages as received (for a
    /// dry run to evaluate).
    public func messages(_ filter: DeadLetterFilter) -> [(letter: DeadLetter, message: AMQPMessage)] {
        letters.filter { filter.matches($0.letter) }.map { ($0.letter, $0.delivery.message) }
    }

    /// Publishes each matching dead letter to `target` (default: its origin
    /// queue) with a fresh attempt count, then acknowledges it once the
    /// broker confirmed it, in chunks of up to 100. `perSecond` paces it
    /// (a large replay need not flood the workers); `progress` is told the
    /// count moved so far. The operator action is audited before anything
    /// moves, so a replay killed half-way is on the record too; a second
    /// record says how many moved.
    public func replay(_ filter: DeadLetterFilter, to target: String? = nil, actor: String, perSecond: Int? = nil,
                       progress: (Int) -> Void = { _ in }) throws -> [DeadLetter] {
        let chosen = letters.filter { filter.matches($0.letter) }
        let destination = target ?? "origin queue"
        try record(.deadLettersReplayed(action(actor, filter, count: chosen.count, to: destination)))
        let started = Date()
        let chunk = perSecond.map { min(100, max(1, $0 / 10)) } ?? 100
        var moved = 0
        for start in stride(from: 0, to: chosen.count, by: chunk) {
            let part = chosen[start..<min(start + chunk, chosen.count)]
            for item in part {
                var message = item.delivery.message
                message.properties.headers[MessageHeader.attempts] = nil
                message.properties.headers[MessageHeader.replayedAt] = .string(Date().formatted(.iso8601))
                message.properties.headers[MessageHeader.replayedBy] = .string(actor)
                try publishing.publish(exchange: "", routingKey: target ?? item.letter.originQueue, message: message)
            }
            try publishing.waitForConfirms()
            for item in part {
                try reading.ack(item.delivery.deliveryTag)
                acted.insert(item.delivery.deliveryTag)
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

    /// Acknowledges (drops) each matching dead letter.
    public func purge(_ filter: DeadLetterFilter, actor: String) throws -> [DeadLetter] {
        let chosen = letters.filter { filter.matches($0.letter) }
        // On the record before anything is dropped.
        try record(.deadLettersPurged(action(actor, filter, count: chosen.count, ids: chosen.map(\.letter.id))))
        for item in chosen {
            try reading.ack(item.delivery.deliveryTag)
            acted.insert(item.delivery.deliveryTag)
        }
        return chosen.map(\.letter)
    }

    private func action(_ actor: String, _ filter: DeadLetterFilter, count: Int, to: String? = nil, ids: [String]? = nil) -> DeadLetterAction {
        DeadLetterAction(actor: actor, queue: queue.deadLetterQueue, filter: filter.description, count: count, to: to, ids: ids)
    }

    /// Every replay and purge enters the hash-chained audit log, through the
    /// audit worker's own append.
    private func record(_ action: EventPayload) throws {
        let event = DomainEvent(action, occurredAt: Date(), commandId: "operator-\(RandomUUID.lowercased().prefix(8))")
        let audit = AuditHandler()
        let record = try audit.decode(AMQPMessage(body: event.encoded()))
        _ = try settings.connectDatabase().transaction { try audit.apply([record], in: $0) }
    }
}
