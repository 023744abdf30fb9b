import Settings

/// What a runtime role may do in a vhost, as RabbitMQ's three regular
/// expressions over resource names: `configure` (declare, delete), `write`
/// (publish to an exchange, bind to a queue) and `read` (consume from or
/// purge a queue). Derived from the plan, so they follow the topology.
public struct BrokerPermissions: Sendable, Equatable {
    public let configure: String
    public let write: String
    public let read: String

    /// Matches no name: RabbitMQ's way of granting nothing.
    static let nothing = "^$"

    static func exactly(_ names: [String]) -> String {
        names.isEmpty ? nothing : "^(" + names.map(escaped).joined(separator: "|") + ")$"
    }

    private static func escaped(_ name: String) -> String {
        name.reduce(into: "") { out, character in
            if "\\^$.|?*+()[]{}".contains(character) { out.append("\\") }
            out.append(character)
        }
    }
}

extension BrokerPlan {
    /// No role declares or deletes anything: the topology job (the broker's
    /// configuring user) does.
    /// - workers publish to the plan's exchanges (events, commands that
    ///   follow from events, retry tiers) and consume its queues;
    /// - the API and the operator's CLI publish commands, and take dead
    ///   letters in (read on the DLQs) and replay them through the retry
    ///   return exchange, which routes by queue name to work queues only.
    public func permissions(for role: RuntimeRole) -> BrokerPermissions {
        switch role {
        case .worker:
            return BrokerPermissions(
                configure: BrokerPermissions.nothing, write: BrokerPermissions.exactly(exchanges.map(\.name)),
                read: BrokerPermissions.exactly(queues.map(\.name)))
        case .api, .operator:
            return BrokerPermissions(
                configure: BrokerPermissions.nothing, write: BrokerPermissions.exactly([commandExchange, returnExchange]),
                read: BrokerPermissions.exactly(deadLetterQueues))
        }
    }
}
