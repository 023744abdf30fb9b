import AMQPClient

/// The exact exchanges, queues (with arguments) and bindings a topology
/// spec means. Pure: the rules for dead-lettering and retry tiers live
/// here once, for apply, check and tests alike.
public struct BrokerPlan: Sendable, Equatable {
    public struct Queue: Sendable, Equatable {
        public let name: String
        public let arguments: AMQPTable
        /// `x-quorum-initial-group-size`: sent only when the queue is
        /// created, since the broker refuses a redeclare whose value differs
        /// from the creation's (a queue made before the topology had it).
        /// Membership changes later with `rabbitmq-queues grow`.
        public let groupSize: Int?

        /// The arguments a declare sends: with the group size to create,
        /// without it to match a queue created without one.
        public func declaration(creating: Bool) -> AMQPTable {
            guard creating, let groupSize else { return arguments }
            return arguments.merging([Self.groupSizeArgument: .int(Int64(groupSize))]) { $1 }
        }

        public static let groupSizeArgument = "x-quorum-initial-group-size"
    }

    public struct Binding: Sendable, Equatable, Hashable {
        public let queue: String
        public let exchange: String
        public let routingKey: String

        public init(queue: String, exchange: String, routingKey: String) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    /// The delivery limit of a queue nothing should ever drop from for
    /// returns (dead-letter queues, retry tiers). Stated, not left to the
    /// broker: RabbitMQ 4 gives a quorum queue without one a limit of 20.
    /// Not -1: RabbitMQ 4 reads that as unlimited, but 3.x accepts it and
    /// drops a message at its first return (seen on 3.10.8).
    public static let unlimitedDeliveries = Int64(Int32.max)

    public let exchanges: [TopologySpec.Exchange]
    public let queues: [Queue]
    public let bindings: [Binding]
    /// Where producers publish commands, and where a replay goes back in.
    public let commandExchange: String
    public let returnExchange: String
    public let deadLetterQueues: [String]

    public init(_ spec: TopologySpec) {
        var exchanges = spec.exchanges
        exchanges.append(.init(name: spec.deadLetterExchange, type: "direct"))
        exchanges.append(.init(name: spec.retry.returnExchange, type: "direct"))
        // A tier is a fanout exchange into a TTL queue: the message keeps
        // the routing key it was published with (its origin queue's name),
        // and on expiry is dead-lettered to the return exchange with it.
        exchanges += spec.retry.tiers.map { .init(name: $0.name, type: "fanout") }

        // At-least-once dead-lettering (quorum queues only) needs
        // reject-publish overflow; without it a dead letter may be dropped.
        let safeDeadLettering: AMQPTable = ["x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"]
        var queues: [Queue] = []
        var bindings: [Binding] = []
        for queue in spec.queues {
            var arguments: AMQPTable = [
                "x-queue-type": "quorum",
                "x-dead-letter-exchange": .string(spec.deadLetterExchange),
                "x-dead-letter-routing-key": .string(queue.deadLetterQueue),
                "x-delivery-limit": .int(Int64(queue.deliveryLimit)),
            ].merging(safeDeadLettering) { $1 }
            if queue.singleActiveConsumer == true { arguments["x-single-active-consumer"] = true }
            queues.append(Queue(name: queue.name, arguments: arguments, groupSize: spec.quorumGroupSize))
            queues.append(
                Queue(
                    name: queue.deadLetterQueue, arguments: ["x-queue-type": "quorum", "x-delivery-limit": .int(Self.unlimitedDeliveries)],
                    groupSize: spec.quorumGroupSize))
            bindings += queue.bindings.map { Binding(queue: queue.name, exchange: $0.exchange, routingKey: $0.routingKey) }
            bindings.append(Binding(queue: queue.deadLetterQueue, exchange: spec.deadLetterExchange, routingKey: queue.deadLetterQueue))
            bindings.append(Binding(queue: queue.name, exchange: spec.retry.returnExchange, routingKey: queue.name))
        }
        for tier in spec.retry.tiers {
            queues.append(
                Queue(
                    name: tier.name,
                    arguments: [
                        "x-queue-type": "quorum",
                        "x-message-ttl": .int(Int64(tier.ttlMilliseconds)),
                        "x-delivery-limit": .int(Self.unlimitedDeliveries),
                        "x-dead-letter-exchange": .string(spec.retry.returnExchange),
                    ].merging(safeDeadLettering) { $1 }, groupSize: spec.quorumGroupSize))
            bindings.append(Binding(queue: tier.name, exchange: tier.name, routingKey: ""))
        }
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
        commandExchange = spec.commandExchange
        returnExchange = spec.retry.returnExchange
        deadLetterQueues = spec.queues.map(\.deadLetterQueue)
    }
}
