import AMQPClient
import Foundation
import PostgresClient
import RedisClient

/// One way to open each service, for the CLI, the workers and the tests.
extension ServiceSettings {
    /// A broker connection named for the management UI:
    /// `<program> [<role>] on <host> pid <pid>`, e.g.
    /// `payments-worker lane 0 consumer on web-3 pid 4711`.
    public func connectBroker(as role: String? = nil, options: AMQPOptions = AMQPOptions()) throws -> AMQPConnection {
        var options = options
        options.name = options.name ?? Self.connectionName(role)
        return try AMQPConnection.connect(to: amqpEndpoints, options: options)
    }

    public static func connectionName(_ role: String?) -> String {
        let process = ProcessInfo.processInfo
        return [process.processName, role, "on", process.hostName, "pid", "\(process.processIdentifier)"]
            .compactMap { $0 }.joined(separator: " ")
    }

    public func connectDatabase() throws -> PostgresConnection {
        try PostgresConnection(databaseURL)
    }

    public func connectCache() throws -> RedisConnection {
        try RedisConnection(endpoint: redis)
    }
}
