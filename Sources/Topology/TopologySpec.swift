import Foundation

/// `queues/topology.json`: what the operator writes. `BrokerPlan` turns it
/// into the exact declarations.
public struct TopologySpec: Codable, Sendable, Equatable {
    public struct Exchange: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
        public init(name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    public struct Binding: Codable, Sendable, Equatable, Hashable {
        public var exchange: String
        public var routingKey: String
        public init(exchange: String, routingKey: String) {
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public struct RetryTier: Codable, Sendable, Equatable {
        public var name: String
        public var ttlMilliseconds: Int
        public init(name: String, ttlMilliseconds: Int) {
            self.name = name
            self.ttlMilliseconds = ttlMilliseconds
        }
    }

    public struct Retry: Codable, Sendable, Equatable {
        public var returnExchange: String
        public var tiers: [RetryTier]
    }

    public struct WorkQueue: Codable, Sendable, Equatable {
        public var name: String
        /// Attempts (first delivery included) before the runtime dead-letters.
        public var maxAttempts: Int
        /// The broker's own bound on redeliveries: catches crash loops.
        public var deliveryLimit: Int
        public var singleActiveConsumer: Bool?
        public var bindings: [Binding]

        public var deadLetterQueue: String { name + ".dlq" }
    }

    public func queue(named name: String) throws -> WorkQueue {
        guard let queue = queues.first(where: { $0.name == name }) else {
            throw TopologyError("queue \(name) is not in the topology file")
        }
        return queue
    }

    /// Where producers publish commands (routing key = command type).
    public var commandExchange: String
    /// Where the outbox publishes events (routing key = event type).
    public var eventExchange: String
    public var exchanges: [Exchange]
    public var deadLetterExchange: String
    public var retry: Retry
    public var queues: [WorkQueue]
    /// How many nodes each quorum queue is created on (capped by the
    /// cluster's size): 3 survives the loss of one node.
    public var quorumGroupSize: Int?

    public static func load(from url: URL) throws -> TopologySpec {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopologyError("cannot read the topology file \(url.path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(TopologySpec.self, from: data) } catch {
            throw TopologyError("the topology file \(url.path) is not valid: \(error)")
        }
    }

    /// `queues/topology.json` found from the working directory upward, so
    /// `flexfin` works from anywhere inside the checkout; or
    /// `FLEXFIN_TOPOLOGY` when set.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let path = environment["FLEXFIN_TOPOLOGY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        var folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while true {
            let candidate = folder.appendingPathComponent("queues/topology.json")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path {
                throw TopologyError(
                    "no queues/topology.json in \(FileManager.default.currentDirectoryPath) or above; pass --file or set FLEXFIN_TOPOLOGY")
            }
            folder = parent
        }
    }
}

public struct TopologyError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
