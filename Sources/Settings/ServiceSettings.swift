import AMQPClient
import Foundation
import RedisClient

/// Where the three services are. Every value comes from the environment,
/// with defaults that match `deploy/local/services`.
public struct ServiceSettings: Sendable {
    /// Tried in order when connecting (failover).
    public var amqpEndpoints: [AMQPEndpoint]
    /// The RabbitMQ management API, for rates; nil when disabled.
    public var amqpManagementURL: URL?
    /// A libpq connection string or URI (multi-host forms included).
    public var databaseURL: String
    public var redis: RedisEndpoint

    public static let defaultAMQPURL = "amqp://flexfin:flexfin-local@127.0.0.1:5673/flexfin"
    public static let defaultManagementURL = "http://127.0.0.1:15673"
    public static let defaultDatabaseURL = "postgresql://flexfin:flexfin-local@127.0.0.1:5433/flexfin"
    public static let defaultRedisURL = "redis://127.0.0.1:6380/0"

    public init(amqpEndpoints: [AMQPEndpoint], amqpManagementURL: URL?, databaseURL: String, redis: RedisEndpoint) {
        self.amqpEndpoints = amqpEndpoints
        self.amqpManagementURL = amqpManagementURL
        self.databaseURL = databaseURL
        self.redis = redis
    }

    /// Reads `FLEXFIN_AMQP_URL`, `FLEXFIN_AMQP_MANAGEMENT_URL` (`none`
    /// disables it), `FLEXFIN_DATABASE_URL` and `FLEXFIN_REDIS_URL`.
    /// The error names the variable that is wrong.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServiceSettings {
        func value(_ name: String, _ fallback: String) -> String {
            environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
        }
        func parse<T>(_ name: String, _ fallback: String, _ parse: (String) throws -> T) throws -> T {
            do { return try parse(value(name, fallback)) } catch {
                throw SettingsError(variable: name, problem: "\(error)")
            }
        }
        let amqp = try parse("FLEXFIN_AMQP_URL", defaultAMQPURL) { try AMQPEndpoint.list($0) }
        let redis = try parse("FLEXFIN_REDIS_URL", defaultRedisURL) { try RedisEndpoint(url: $0) }
        let management = try parse("FLEXFIN_AMQP_MANAGEMENT_URL", defaultManagementURL) { text -> URL? in
            if text == "none" { return nil }
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                throw SettingsError(variable: "FLEXFIN_AMQP_MANAGEMENT_URL", problem: "expected an http(s) URL or none")
            }
            return url
        }
        return ServiceSettings(amqpEndpoints: amqp, amqpManagementURL: management,
                               databaseURL: value("FLEXFIN_DATABASE_URL", defaultDatabaseURL), redis: redis)
    }
}

extension ServiceSettings {
    /// The variables that make a child process (a worker, `flexfin`) use
    /// these settings.
    public var environment: [String: String] {
        [
            "FLEXFIN_AMQP_URL": amqpEndpoints.map(\.url).joined(separator: ","),
            "FLEXFIN_AMQP_MANAGEMENT_URL": amqpManagementURL?.absoluteString ?? "none",
            "FLEXFIN_DATABASE_URL": databaseURL,
            "FLEXFIN_REDIS_URL": redis.url,
        ]
    }
}

public struct SettingsError: Error, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable) is not usable: \(problem)" }
}
