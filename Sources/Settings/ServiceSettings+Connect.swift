import AMQPClient
import PostgresClient
import RedisClient

/// One way to open each service, for the CLI, the workers and the tests.
extension ServiceSettings {
    public func connectBroker(options: AMQPOptions = AMQPOptions()) throws -> AMQPConnection {
        try AMQPConnection.connect(to: amqpEndpoints, options: options)
    }

    public func connectDatabase() throws -> PostgresConnection {
        try PostgresConnection(databaseURL)
    }

    public func connectCache() throws -> RedisConnection {
        try RedisConnection(endpoint: redis)
    }
}
