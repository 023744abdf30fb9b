import AMQPClient

/// One queue's depth. Unacknowledged counts and rates come from the
/// management API only; over plain AMQP they are nil.
public struct QueueDepth: Sendable, Codable, Equatable {
    public let queue: String
    public let exists: Bool
    public let ready: Int
    public let unacknowledged: Int?
    public let consumers: Int
    /// Messages per second, as the management API averages them.
    public let publishRate: Double?
    public let deliverRate: Double?
    public let ackRate: Double?
}

/// Reads the depth of every queue of a plan, from the management API when
/// it answers, else by passive declares.
public struct QueueMonitor {
    public let plan: BrokerPlan
    public let management: ManagementAPI?

    public init(plan: BrokerPlan, management: ManagementAPI?) {
        self.plan = plan
        self.management = management
    }

    public struct Snapshot: Sendable, Codable {
        public let source: String
        public let queues: [QueueDepth]
    }

    public func snapshot(connection: AMQPConnection) throws -> Snapshot {
        var fallbackReason = "management API disabled"
        if let management {
            do {
                let stats = try management.queues()
                return Snapshot(
                    source: "management API",
                    queues: plan.queues.map { queue in
                        stats[queue.name]
                            ?? QueueDepth(
                                queue: queue.name, exists: false, ready: 0, unacknowledged: nil,
                                consumers: 0, publishRate: nil, deliverRate: nil, ackRate: nil)
                    })
            } catch {
                fallbackReason = "\(error)"
            }
        }
        let channel = try connection.openChannel()
        defer { channel.close() }
        let depths = try plan.queues.map { try passiveDepth(of: $0.name, on: channel) }
        return Snapshot(source: "passive declare (\(fallbackReason))", queues: depths)
    }

    private func passiveDepth(of queue: String, on channel: AMQPChannel) throws(AMQPError) -> QueueDepth {
        let status: QueueStatus
        do {
            status = try channel.inspectQueue(queue)
        } catch {
            guard error.code == .notFound else { throw error }
            return QueueDepth(
                queue: queue, exists: false, ready: 0, unacknowledged: nil,
                consumers: 0, publishRate: nil, deliverRate: nil, ackRate: nil)
        }
        return QueueDepth(
            queue: queue, exists: true, ready: status.messageCount, unacknowledged: nil,
            consumers: status.consumerCount, publishRate: nil, deliverRate: nil, ackRate: nil)
    }
}
