import AMQPClient
import Domain
import Foundation
import Settings
import Submission
import WorkerRuntime

/// The same message traffic as the pipeline with no database or cache
/// work: commands on a quorum queue per command type, consumed in the same
/// batches by the same number of lanes per type, one event per unique
/// command published with confirms to a fanout exchange and consumed from
/// three quorum queues, in bundles as the outbox sends them (`EventBundle`). Its rate is what the
/// broker allows on this machine right now; the pipeline is quoted as a
/// ratio of it.
struct BrokerOnlyRun {
    let settings: ServiceSettings
    let options: PipelineOptions
    let eventBodySize: Int
    private var lanes: Int { options.lanes }
    private var batchSize: Int { options.batchSize }
    private var eventBatchSize: Int { options.eventBatchSize }

    private let prefix = "bench.broker-only.\(getpid())"
    private func commandQueue(_ type: String) -> String { "\(prefix).commands.\(type)" }
    private var eventExchange: String { "\(prefix).events" }
    private var eventQueues: [String] { ["audit", "notifications", "tax"].map { "\(prefix).\($0)" } }

    /// Unique commands per second, and the broker's CPU for the run.
    func measured(_ commands: [SubmittedCommand]) throws -> (rate: Double, cpu: CPUUsage) {
        let before = ServerCPU.now()
        let rate = try run(commands)
        let broker = ServerCPU.now().since(before).filter { $0.0 == "rabbitmq" }
        return (rate, CPUUsage(broker, commands: Set(commands.map(\.commandId)).count))
    }

    /// Unique commands per second.
    func run(_ commands: [SubmittedCommand]) throws -> Double {
        let setup = try settings.connectBroker()
        let channel = try setup.openChannel()
        let types = Set(commands.map(\.type)).sorted()
        let queues = types.map(commandQueue) + eventQueues
        defer {
            for queue in queues { _ = try? channel.deleteQueue(queue) }
            try? channel.deleteExchange(eventExchange)
        }
        for queue in queues { try channel.declareQueue(queue, arguments: ["x-queue-type": "quorum"]) }
        try channel.declareExchange(eventExchange, type: "fanout", durable: true)
        for queue in eventQueues { try channel.bindQueue(queue, exchange: eventExchange, routingKey: "") }
        try channel.enableConfirms(window: 2048)
        for command in commands {
            try channel.publish(
                exchange: "", routingKey: commandQueue(command.type),
                message: AMQPMessage(
                    body: command.body,
                    properties: AMQPProperties(contentType: "application/json", messageId: command.commandId, type: command.type)))
        }
        try channel.waitForConfirms(timeout: .seconds(120))

        let unique = Set(commands.map(\.commandId)).count
        let eventBody = [UInt8](repeating: UInt8(ascii: "x"), count: eventBodySize)
        let started = ContinuousClock.now
        let group = DispatchGroup()
        let failures = Failures()
        for type in types {
            let seen = SeenIds()
            let ofType = Set(commands.filter { $0.type == type }.map(\.commandId)).count
            for _ in 0..<lanes {
                spawn(group, failures) { try relayCommands(from: commandQueue(type), seen: seen, unique: ofType, eventBody: eventBody) }
            }
        }
        for queue in eventQueues {
            spawn(group, failures) { try drainEvents(queue, expected: unique) }
        }
        group.wait()
        if let failure = failures.first { throw failure }
        let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        return Double(unique) / seconds
    }

    private func spawn(_ group: DispatchGroup, _ failures: Failures, _ body: @escaping @Sendable () throws -> Void) {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            do { try body() } catch { failures.add(error) }
        }
    }

    /// A worker's lane without its work: batch, publish one event per new
    /// command (bundled) with confirms, ack the batch.
    private func relayCommands(from queue: String, seen: SeenIds, unique: Int, eventBody: [UInt8]) throws {
        let consumer = try settings.connectBroker()
        let consuming = try consumer.openChannel()
        try consuming.setPrefetch(UInt16(clamping: batchSize * 2))
        try consuming.consume(queue)
        let publisher = try settings.connectBroker()
        let publishing = try publisher.openChannel()
        try publishing.enableConfirms(window: 2048)
        while !seen.isComplete(unique) {
            guard let first = try consumer.nextDelivery(timeout: .milliseconds(200)) else { continue }
            var batch = [first]
            let deadline = ContinuousClock.now + .milliseconds(options.batchMilliseconds)
            while batch.count < batchSize, let next = try consumer.nextDelivery(timeout: max(deadline - .now, .zero)) {
                batch.append(next)
            }
            let fresh = batch.filter { seen.insert($0.message.properties.messageId ?? "") }.count
            for start in stride(from: 0, to: fresh, by: EventBundle.maxEvents) {
                let events = min(EventBundle.maxEvents, fresh - start)
                let body = EventBundle.body(of: Array(repeating: eventBody, count: events))
                try publishing.publish(
                    exchange: eventExchange, routingKey: "payment.completed",
                    message: AMQPMessage(
                        body: body,
                        properties: AMQPProperties(
                            contentType: EventBundle.contentType, messageId: UUID().uuidString,
                            headers: [MessageHeader.eventCount: .int(Int64(events))])))
            }
            try publishing.waitForConfirms()
            try consuming.ack(batch.map(\.deliveryTag).max()!, multiple: true)
        }
    }

    private func drainEvents(_ queue: String, expected: Int) throws {
        let consumer = try settings.connectBroker()
        let channel = try consumer.openChannel()
        try channel.setPrefetch(UInt16(clamping: eventBatchSize * 2))
        try channel.consume(queue)
        var received = 0
        var unacked = 0
        var lastTag: UInt64 = 0
        while received < expected {
            guard let delivery = try consumer.nextDelivery(timeout: .milliseconds(20)) else {
                if lastTag > 0 {
                    try channel.ack(lastTag, multiple: true)
                    lastTag = 0
                }
                continue
            }
            received += delivery.weight
            unacked += delivery.weight
            lastTag = delivery.deliveryTag
            if unacked >= eventBatchSize || received >= expected {
                try channel.ack(lastTag, multiple: true)
                lastTag = 0
                unacked = 0
            }
        }
    }
}

private final class SeenIds: @unchecked Sendable {
    private let lock = NSLock()
    private var ids = Set<String>()
    func insert(_ id: String) -> Bool { lock.withLock { ids.insert(id).inserted } }
    func isComplete(_ unique: Int) -> Bool { lock.withLock { ids.count >= unique } }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ error: Error) { lock.withLock { errors.append(error) } }
    var first: Error? { lock.withLock { errors.first } }
}
