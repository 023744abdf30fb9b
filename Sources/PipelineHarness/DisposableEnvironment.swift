import AMQPClient
import Domain
import Foundation
import Migrations
import PostgresClient
import RedisClient
import Settings
import Topology

/// A database, a vhost and a Redis database of their own, on the configured
/// servers, for the benchmark and the pipeline tests: `flexfin_bench`,
/// `flexfin-bench`, Redis 15 (and `…test`, Redis 14). Each run creates what
/// is missing and wipes the rest; the configured database, vhost and Redis
/// database are never touched. Each is marked when created, and one that
/// exists without the mark (somebody else's) is refused, not wiped.
public struct DisposableEnvironment: Sendable {
    /// `bench` or `test`.
    public let name: String
    /// The environment's own settings.
    public let settings: ServiceSettings
    private let configured: ServiceSettings

    public let databaseName: String
    public let vhost: String
    private var mark: String { "flexfin disposable environment \(name): wiped by every benchmark or test run" }
    private static let redisMarkKey = "flexfin-disposable"

    public init(_ name: String, redisDatabase: Int, from configured: ServiceSettings) throws {
        let (databaseName, vhost) = ("flexfin_\(name)", "flexfin-\(name)")
        var settings = configured
        settings.databaseURL = try configured.databaseURL(naming: databaseName)
        settings.amqpEndpoints = configured.amqpEndpoints.map {
            var endpoint = $0
            endpoint.vhost = vhost
            return endpoint
        }
        settings.redis.database = redisDatabase
        guard settings.redis.database != configured.redis.database else {
            throw WorkbenchError("the \(name) environment's Redis database \(redisDatabase) is the configured one; choose another")
        }
        (self.name, self.databaseName, self.vhost) = (name, databaseName, vhost)
        self.settings = settings
        self.configured = configured
    }

    /// Creates what is missing and empties what exists: the database is
    /// dropped and created again as a copy of a migrated template, the
    /// topology declared in the vhost and its queues purged, the Redis
    /// database flushed.
    public func recreate(topology: TopologySpec) throws {
        try recreateDatabase()
        try prepareVhost(topology: topology)
        try flushCache()
    }

    /// The database alone, for tests of the runtime that bring their own
    /// broker: dropped and created again as a copy of the migrated template.
    public func recreateDatabase() throws {
        let server = try configured.connectDatabaseAsOwner()
        try dropIfOurs(databaseName, on: server) { $0 == mark }
        let template = try migratedTemplate(on: server)
        try server.query("CREATE DATABASE \(databaseName) TEMPLATE \(template)")
        try server.query("COMMENT ON DATABASE \(databaseName) IS '\(mark)'")
    }

    /// `<database>_template`: an empty database with every bundled migration
    /// applied, made once and copied for each run (a copy costs a fraction
    /// of migrating). Its comment names the migrations it holds; when they
    /// change it is made again.
    private func migratedTemplate(on server: PostgresConnection) throws -> String {
        let template = databaseName + "_template"
        let migrations = try Migration.bundled()
        let holds = "\(mark); migrations \(ContentDigest.of(Array(migrations.map(\.checksum).joined().utf8)))"
        if try comment(on: template, server) == holds { return template }
        try dropIfOurs(template, on: server) { $0.hasPrefix(mark) }
        // Byte-order collation, as deploy/local/services creates the real one.
        try server.query("CREATE DATABASE \(template) TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        do {  // the migrating connection closes at the end of this scope
            var templateSettings = settings
            templateSettings.databaseURL = try configured.databaseURL(naming: template)
            try Migrator(migrations: migrations).apply(on: templateSettings.connectDatabaseAsOwner([:]))
        }
        // No sessions, autovacuum's included: a database being used cannot be copied.
        try server.query("ALTER DATABASE \(template) WITH ALLOW_CONNECTIONS false")
        try server.query("COMMENT ON DATABASE \(template) IS '\(holds)'")
        return template
    }

    private func comment(on database: String, _ server: PostgresConnection) throws -> String?? {
        let found = try server.query("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", [database])
        return found.isEmpty ? nil : .some(try found.decode(0, 0, as: String?.self))
    }

    /// Drops `database` if it exists and its comment says it is ours;
    /// refuses one that exists without (somebody else's).
    private func dropIfOurs(_ database: String, on server: PostgresConnection, isOurs: (String) -> Bool) throws {
        guard let found = try comment(on: database, server) else { return }
        guard let found, isOurs(found) else {
            throw WorkbenchError("database \(database) exists and was not created by flexfin; refusing to drop it")
        }
        // Not WITH (FORCE): it refuses outright when an autovacuum worker
        // is in the database (a process of no role this one may signal).
        // Our own sessions (a killed worker's may linger) are ended here;
        // DROP DATABASE itself stops autovacuum and waits up to 5 s.
        try server.query(
            """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()
            """, [database])
        try server.query("DROP DATABASE \(database)")
    }

    private func prepareVhost(topology: TopologySpec) throws {
        guard let management = configured.managementAPI, let own = settings.managementAPI else {
            throw WorkbenchError(
                "the \(name) environment creates its own vhost through the management API: set FLEXFIN_AMQP_MANAGEMENT_URL")
        }
        switch try management.vhostDescription(vhost) {
        case nil: try management.createVhost(vhost, description: mark)
        case let description?? where description == mark: break
        default: throw WorkbenchError("vhost \(vhost) exists and was not created by flexfin; refusing to purge it")
        }
        let plan = BrokerPlan(topology)
        var broker = try settings.connectBroker()
        defer { broker.close() }
        do {
            try TopologyDeclarer(plan: plan).apply(on: broker, management: own)
        } catch let error as AMQPError where error.code == .preconditionFailed {
            // A queue declared by another version of the topology (another
            // build's arguments): the vhost is ours and disposable, so it is
            // made afresh rather than refused.
            broker.close()
            try management.deleteVhost(vhost)
            try management.createVhost(vhost, description: mark)
            broker = try settings.connectBroker()
            try TopologyDeclarer(plan: plan).apply(on: broker, management: own)
        }
        let channel = try broker.openChannel()
        for queue in plan.queues where try channel.inspectQueue(queue.name).consumerCount > 0 {
            throw WorkbenchError("\(queue.name) in \(vhost) has consumers: stop the running workers first")
        }
        for queue in plan.queues { try channel.purgeQueue(queue.name) }
    }

    private func flushCache() throws {
        let cache = try settings.connectCache()
        let marked = try cache.command(["GET", Self.redisMarkKey]).string == mark
        let empty = try cache.command(["DBSIZE"]).integer == 0
        guard marked || empty else {
            throw WorkbenchError("Redis database \(settings.redis.database) holds keys and was not marked by flexfin; refusing to flush it")
        }
        try cache.command(["FLUSHDB"])
        try cache.command(["SET", Self.redisMarkKey, mark])
    }
}
