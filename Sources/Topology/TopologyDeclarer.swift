import AMQPClient
import Settings

/// Declares a plan on the broker and compares the broker with it.
public struct TopologyDeclarer {
    public let plan: BrokerPlan

    public init(plan: BrokerPlan) { self.plan = plan }

    /// Declares everything; idempotent. A queue that exists with other
    /// arguments fails with the broker's "inequivalent arg" text. With the
    /// management API it also removes the bindings the data no longer has
    /// (see `unexpected`), so events stop reaching a queue nobody consumes
    /// them from. Returns the bindings removed.
    @discardableResult
    public func apply(on connection: AMQPConnection, management: ManagementAPI?) throws -> [BrokerPlan.Binding] {
        let channel = try connection.openChannel()
        defer { channel.close() }
        for exchange in plan.exchanges { try channel.declareExchange(exchange.name, type: exchange.type) }
        for queue in plan.queues { try Self.declare(queue, on: channel) }
        for binding in plan.bindings {
            try channel.bindQueue(binding.queue, exchange: binding.exchange, routingKey: binding.routingKey)
        }
        guard let management else { return [] }
        // The runtime's users get the rights this topology implies; a
        // broker without a role's user (its processes log in as another)
        // is left as it is.
        for role in RuntimeRole.allCases { try management.grant(plan.permissions(for: role), to: role.rawValue) }
        let stale = unexpected(in: try management.bindings())
        for binding in stale { try channel.unbindQueue(binding.queue, exchange: binding.exchange, routingKey: binding.routingKey) }
        return stale
    }

    /// Bindings from one of the plan's exchanges to one of its queues that
    /// the plan does not have: left from an earlier topology.
    func unexpected(in present: Set<BrokerPlan.Binding>) -> [BrokerPlan.Binding] {
        let exchanges = Set(plan.exchanges.map(\.name))
        let queues = Set(plan.queues.map(\.name))
        let planned = Set(plan.bindings)
        return present.filter { exchanges.contains($0.exchange) && queues.contains($0.queue) && !planned.contains($0) }
            .sorted { ($0.queue, $0.exchange, $0.routingKey) < ($1.queue, $1.exchange, $1.routingKey) }
    }

    /// What differs between the broker and the plan; empty when they agree.
    ///
    /// Over AMQP alone: a passive declare finds what is missing, then a
    /// declare with the planned arguments (a no-op when equivalent) makes
    /// the broker itself name an inequivalent type or argument. With the
    /// management API, bindings are compared too.
    public func differences(on connection: AMQPConnection, management: ManagementAPI?) throws -> [String] {
        let channel = try connection.openChannel()
        defer { channel.close() }
        var found: [String] = []
        for exchange in plan.exchanges {
            found += try compare(
                "exchange \(exchange.name)",
                inspect: { try channel.inspectExchange(exchange.name) },
                declare: { try channel.declareExchange(exchange.name, type: exchange.type) })
        }
        if let management {
            let definitions = try management.queueDefinitions()
            let clusterSize = try management.clusterNodes().count
            for queue in plan.queues { found += Self.compare(queue, with: definitions[queue.name], clusterSize: clusterSize) }
        } else {
            for queue in plan.queues {
                found += try compare(
                    "queue \(queue.name)",
                    inspect: { _ = try channel.inspectQueue(queue.name) },
                    declare: { try Self.declare(queue, on: channel) })
            }
        }
        if let management {
            let present = try management.bindings()
            for binding in plan.bindings where !present.contains(binding) {
                found.append("binding \(binding.exchange) -> \(binding.queue) [\(binding.routingKey)] is missing")
            }
            for binding in unexpected(in: present) {
                found.append(
                    "binding \(binding.exchange) -> \(binding.queue) [\(binding.routingKey)] is not in the topology (apply removes it)")
            }
        }
        return found
    }

    private func compare(_ what: String, inspect: () throws -> Void, declare: () throws -> Void) throws -> [String] {
        do {
            try inspect()
        } catch let error as AMQPError where error.code == .notFound {
            return ["\(what) is missing"]
        }
        do {
            try declare()
        } catch let error as AMQPError where error.code == .preconditionFailed {
            return ["\(what) differs: \(error.detail)"]
        }
        return []
    }

    /// Declares with the group size (creating the queue, or matching one
    /// created with it); a queue created without one is matched by a
    /// declare without it. Any other difference fails as the broker says.
    static func declare(_ queue: BrokerPlan.Queue, on channel: AMQPChannel) throws(AMQPError) {
        do {
            try channel.declareQueue(queue.name, arguments: queue.declaration(creating: true))
        } catch
            where error.code == .preconditionFailed && queue.groupSize != nil
            && error.detail.contains(BrokerPlan.Queue.groupSizeArgument)
        {
            try channel.declareQueue(queue.name, arguments: queue.declaration(creating: false))
        }
    }

    /// Exact comparison of a planned queue with the broker's definition:
    /// the type and every argument, missing or extra.
    static func compare(_ queue: BrokerPlan.Queue, with actual: ManagementAPI.QueueDefinition?, clusterSize: Int) -> [String] {
        guard let actual else { return ["queue \(queue.name) is missing"] }
        var found: [String] = []
        let expectedType = queue.arguments["x-queue-type"]?.stringValue ?? "classic"
        if actual.type != expectedType {
            found.append("queue \(queue.name) has type \(actual.type), expected \(expectedType) (x-queue-type)")
        }
        for (key, expected) in queue.arguments.sorted(by: { $0.key < $1.key }) where key != "x-queue-type" {
            guard let value = actual.arguments[key] else {
                found.append("queue \(queue.name) lacks argument \(key) = \(expected)")
                continue
            }
            if !matches(expected, value) {
                found.append("queue \(queue.name) has argument \(key) = \(value), expected \(expected)")
            }
        }
        let creationOnly: Set = ["x-queue-type", BrokerPlan.Queue.groupSizeArgument]
        for key in actual.arguments.keys.sorted() where queue.arguments[key] == nil && !creationOnly.contains(key) {
            found.append("queue \(queue.name) has unexpected argument \(key)")
        }
        // The group size is judged by what it is for: members on that many nodes.
        if let groupSize = queue.groupSize, actual.type == "quorum", actual.members.count < min(groupSize, clusterSize) {
            found.append(
                "queue \(queue.name) has members on \(actual.members.count) of the cluster's \(clusterSize) nodes, "
                    + "the topology wants \(groupSize) (`rabbitmq-queues grow <node> all` adds them)")
        }
        return found
    }

    /// JSON numbers and booleans both arrive as NSNumber on Linux: compare
    /// by the type the plan expects.
    private static func matches(_ expected: AMQPValue, _ actual: Any) -> Bool {
        switch expected {
        case .string(let s): (actual as? String) == s
        case .int(let i): (actual as? Int).map(Int64.init) == i
        case .bool(let b): (actual as? Bool) == b
        default: "\(expected)" == "\(actual)"
        }
    }
}
