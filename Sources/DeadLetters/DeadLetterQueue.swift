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

    deinit { connection.close() }

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

    /// Publishes each matching dead letter to `target` (default: its origin
    /// queue) with a fresh attempt count, confirmed, then acknowledges it.
    /// Returns how many moved; `dryRun` moves nothing.
    public func replay(_ filter: DeadLetterFilter, to target: String? = nil, dryRun: Bool, actor: String) throws -> [DeadLetter] {
        let chosen = letters.filter { filter.matches($0.letter) }
        guard !dryRun else { return chosen.map(\.letter) }
        for item in chosen {
            var message = item.delivery.message
            message.properties.headers["x-attempts"] = nil
            message.properties.headers["x-replayed-at"] = .string(Date().formatted(.iso8601))
            message.properties.headers["x-replayed-by"] = .string(actor)
            try publishing.publish(exchange: "", routingKey: target ?? item.letter.originQueue, message: message)
            try publishing.waitForConfirms()
            try reading.ack(item.delivery.deliveryTag)
        }
        try record("operator.dlq.replay", actor: actor, filter: filter, count: chosen.count, extra: ["to": .string(target ?? "origin queue")])
        return chosen.map(\.letter)
    }

    /// Acknowledges (drops) each matching dead letter.
    public func purge(_ filter: DeadLetterFilter, actor: String) throws -> [DeadLetter] {
        let chosen = letters.filter { filter.matches($0.letter) }
        for item in chosen { try reading.ack(item.delivery.deliveryTag) }
        try record("operator.dlq.purge", actor: actor, filter: filter, count: chosen.count,
                   extra: ["ids": .array(chosen.map { .string($0.letter.id) })])
        return chosen.map(\.letter)
    }

    /// Every replay and purge enters the hash-chained audit log, through the
    /// audit worker's own append.
    private func record(_ type: String, actor: String, filter: DeadLetterFilter, count: Int, extra: [String: JSONValue]) throws {
        let event = DomainEvent(type: type, occurredAt: Date(), commandId: "operator-\(UUID().uuidString.lowercased().prefix(8))",
                                userIds: [], data: ["actor": .string(actor), "queue": .string(queue.deadLetterQueue),
                                                    "filter": .string(filter.description), "count": .integer(Int64(count))]
                                    .merging(extra) { $1 })
        let audit = AuditHandler()
        let record = try audit.decode(AMQPMessage(body: event.encoded()))
        _ = try settings.connectDatabase().transaction { try audit.apply([record], in: $0) }
    }
}
