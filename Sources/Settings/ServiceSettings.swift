import AMQPClient
import Foundation
import RedisClient

/// Where the three services are. Every value comes from the environment,
/// with defaults that match `deploy/local/services`.
public struct ServiceSettings: Sendable {
    /// Tried in order when connecting (failover).
    public var amqpEndpoints: [AMQPEndpoint]
    /// The RabbitMQ management API of each node, tried in order (a
    /// cluster's node may be down); empty when disabled.
    public var amqpManagementURLs: [URL]
    /// A libpq connection string or URI (multi-host forms included).
    public var databaseURL: String
    public var redis: RedisEndpoint
    /// `FLEXFIN_ENV=local`: a developer's machine or the test suite, where
    /// a process may log in to PostgreSQL as the tables' owner.
    public var localMode = false

    public static let defaultAMQPURL = "amqp://flexfin:flexfin-local@127.0.0.1:5673/flexfin"
    public static let defaultManagementURL = "http://127.0.0.1:15673"
    public static let defaultDatabaseURL = "postgresql://flexfin:flexfin-local@127.0.0.1:5433/flexfin"
    public static let defaultRedisURL = "redis://127.0.0.1:6380/0"

    public init(amqpEndpoints: [AMQPEndpoint], amqpManagementURLs: [URL], databaseURL: String, redis: RedisEndpoint) {
        self.amqpEndpoints = amqpEndpoints
        self.amqpManagementURLs = amqpManagementURLs
        self.databaseURL = databaseURL
        self.redis = redis
    }

    /// Reads `FLEXFIN_AMQP_URL` and `FLEXFIN_AMQP_MANAGEMENT_URL` (each
    /// comma-separated, one per node; `none` disables the management API), `FLEXFIN_DATABASE_URL` and `FLEXFIN_REDIS_URL`.
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
        let management = try parse("FLEXFIN_AMQP_MANAGEMENT_URL", defaultManagementURL) { text -> [URL] in
            if text == "none" { return [] }
            return try text.split(separator: ",").map { part in
                let trimmed = part.trimmingCharacters(in: .whitespaces)
                guard let url = URL(string: trimmed), url.scheme == "http" || url.scheme == "https" else {
                    throw SettingsError(
                        variable: "FLEXFIN_AMQP_MANAGEMENT_URL", problem: "\"\(trimmed)\" is not an http(s) URL; expected URLs or none")
                }
                return url
            }
        }
        var settings = ServiceSettings(
            amqpEndpoints: amqp, amqpManagementURLs: management,
            databaseURL: value("FLEXFIN_DATABASE_URL", defaultDatabaseURL), redis: redis)
        settings.localMode = environment["FLEXFIN_ENV"] == "local"
        if !settings.localMode { try refuseKnownSecrets(environment, settings) }
        return settings
    }
}

extension ServiceSettings {
    /// Passwords anyone knows: the local setup's, and RabbitMQ's `guest`.
    static let knownPasswords = ["flexfin-local", "guest"]

    /// Outside local mode, every server's address is given, and none with a
    /// known password: a process that started on the local defaults would
    /// log in wherever they happen to reach.
    private static func refuseKnownSecrets(_ environment: [String: String], _ settings: ServiceSettings) throws {
        for name in ["FLEXFIN_AMQP_URL", "FLEXFIN_DATABASE_URL", "FLEXFIN_REDIS_URL"] where (environment[name] ?? "").isEmpty {
            throw SettingsError(
                variable: name,
                problem: "is not set: outside FLEXFIN_ENV=local nothing starts on the local defaults and their known passwords")
        }
        if let endpoint = settings.amqpEndpoints.first(where: { knownPasswords.contains($0.password) }) {
            throw SettingsError(
                variable: "FLEXFIN_AMQP_URL",
                problem: "logs in to \(endpoint.host) with a known password (\(endpoint.user)); set the role's own")
        }
        if let password = settings.redis.password, knownPasswords.contains(password) {
            throw SettingsError(variable: "FLEXFIN_REDIS_URL", problem: "logs in with a known password; set the user's own")
        }
        for name in ["FLEXFIN_DATABASE_URL", "FLEXFIN_MIGRATION_DATABASE_URL"]
        where knownPasswords.contains(where: { environment[name]?.contains(":\($0)@") == true }) {
            throw SettingsError(variable: name, problem: "logs in with a known password; set the role's own")
        }
    }

    /// The variables that make a child process (a worker, `flexfin`) use
    /// these settings.
    public var environment: [String: String] {
        [
            "FLEXFIN_AMQP_URL": amqpEndpoints.map(\.url).joined(separator: ","),
            "FLEXFIN_AMQP_MANAGEMENT_URL": amqpManagementURLs.isEmpty
                ? "none" : amqpManagementURLs.map(\.absoluteString).joined(separator: ","),
            "FLEXFIN_DATABASE_URL": databaseURL,
            "FLEXFIN_REDIS_URL": redis.url,
            "FLEXFIN_ENV": localMode ? "local" : "",
        ]
    }
}

public struct SettingsError: Error, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable) is not usable: \(problem)" }
}

/// The roles the runtime logs in as, under one name on PostgreSQL and on
/// RabbitMQ, each with only the rights its code needs (migration 0027
/// grants the database's; `flexfin topology apply` sets the broker's). The
/// tables' owner only migrates, and the broker's configuring user only
/// applies the topology.
public enum RuntimeRole: String, CaseIterable, Sendable {
    /// The workers: the ledger and their tables, no deletes from the ledger, the audit log append-only;
    /// on the broker, their queues and exchanges, nothing declared or deleted.
    case worker = "flexfin_worker"
    /// The HTTP API: as the workers, and API keys read only; on the broker,
    /// commands published and dead letters taken in and replayed.
    case api = "flexfin_api"
    /// The operator's CLI: as the API, and API keys written.
    case `operator` = "flexfin_operator"
}

extension ServiceSettings {
    /// These settings logging in as `role` on PostgreSQL and RabbitMQ, with
    /// the same passwords: a local setup gives every role one (elsewhere
    /// each process is configured with its role's own URLs).
    public func loggingIn(as role: RuntimeRole) throws -> ServiceSettings {
        var settings = self
        settings.databaseURL = try databaseURL(user: role.rawValue)
        settings.amqpEndpoints = amqpEndpoints.map {
            var endpoint = $0
            endpoint.user = role.rawValue
            return endpoint
        }
        return settings
    }
}

extension ServiceSettings {
    /// `databaseURL` logging in as `user` instead, with the same password
    /// (local setups give every role one; elsewhere each role's own URL is
    /// configured).
    public func databaseURL(user: String) throws -> String {
        let url = databaseURL
        guard let scheme = url.range(of: "://"), url.hasPrefix("postgres"), let at = url[scheme.upperBound...].firstIndex(of: "@") else {
            throw SettingsError(
                variable: "FLEXFIN_DATABASE_URL", problem: "expected a postgresql://user:password@… URI to derive role \(user) from")
        }
        let credentials = url[scheme.upperBound..<at]
        let password = credentials.firstIndex(of: ":").map { credentials[$0...] } ?? ""
        return String(url[..<scheme.upperBound]) + user + password + String(url[at...])
    }

    /// `databaseURL` with another database name: the path of a
    /// `postgresql://` URI, whose host part may list several hosts
    /// (`h1:5433,h2:5434`, which URLComponents does not parse).
    public func databaseURL(naming database: String) throws -> String {
        let url = databaseURL
        guard let scheme = url.range(of: "://"), url.hasPrefix("postgres") else {
            throw SettingsError(
                variable: "FLEXFIN_DATABASE_URL", problem: "expected a postgresql:// URI to derive database \(database) from")
        }
        let rest = url[scheme.upperBound...]
        let query = rest.firstIndex(of: "?") ?? rest.endIndex
        let path = rest[..<query].firstIndex(of: "/") ?? query
        return String(url[..<path]) + "/" + database + String(rest[query...])
    }
}
