import PostgresClient
import RedisClient
import Settings

/// How a lane reaches its services, a session at a time: the worker
/// process connects to the configured servers; the runtime's tests put an
/// in-memory broker in RabbitMQ's place.
struct LaneConnections {
    /// A broker session for the lane of this name.
    let broker: (_ lane: String) throws -> any BrokerSession
    let database: () throws -> PostgresConnection
    let cache: () throws -> RedisConnection
}

extension LaneConnections {
    init(settings: ServiceSettings, options: WorkerOptions) {
        self.init(
            broker: { try AMQPBrokerSession(settings: settings, name: $0, confirmWindow: options.confirmWindow) },
            database: settings.connectDatabase, cache: settings.connectCache)
    }
}
