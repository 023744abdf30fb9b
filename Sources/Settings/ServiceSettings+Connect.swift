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

    /// A connection as `FLEXFIN_DATABASE_URL`'s role, refused when that is
    /// the tables' owner outside local mode: a runtime process that can
    /// switch off the audit log's guard or delete transfers is one
    /// compromise away from doing it.
    public func connectDatabase() throws -> PostgresConnection {
        let database = try PostgresConnection(databaseURL)
        guard !localMode else { return database }
        let user = try database.query(
            """
            SELECT current_user AS me, current_user = (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'transfers')
              AS owns
            """)
        guard try user.decode(0, "owns", as: Bool?.self) != true else {
            throw SettingsError(
                variable: "FLEXFIN_DATABASE_URL",
                problem: """
                    logs in as \(try user.decode(0, "me", as: String.self)), the owner of the tables, which only `flexfin migrate` may \
                    (FLEXFIN_MIGRATION_DATABASE_URL); log in as \(RuntimeRole.worker.rawValue) (workers), \(RuntimeRole.api.rawValue) \
                    (the API) or \(RuntimeRole.operator.rawValue) (the CLI), or set FLEXFIN_ENV=local on a developer's machine
                    """)
        }
        return database
    }

    /// The tables' owner, for migrations only: `FLEXFIN_MIGRATION_DATABASE_URL`,
    /// else `FLEXFIN_DATABASE_URL`.
    public func connectDatabaseAsOwner(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresConnection {
        try PostgresConnection(environment["FLEXFIN_MIGRATION_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? databaseURL)
    }

    public func connectCache() throws -> RedisConnection {
        try RedisConnection(endpoint: redis)
    }
}
