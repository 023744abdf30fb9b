import PostgresClient

/// Applies pending migrations: each in its own transaction, recorded in
/// `schema_migrations`. Safe to run twice (nothing left to do) and from
/// two processes at once (a session advisory lock serializes them; the
/// second finds the work done).
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// An arbitrary constant that names FlexFin's migration lock.
    static let advisoryLockKey: Int64 = 0x464C_4558_4D49_47  // "FLEXMIG"

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// Applies what is pending and returns it (empty when up to date).
    @discardableResult
    public func apply(on connection: PostgresConnection) throws -> [Migration] {
        try connection.query("SELECT pg_advisory_lock($1)", [Self.advisoryLockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Self.advisoryLockKey]) }
        try connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
        let pending = try self.pending(on: connection)
        for migration in pending {
            do {
                try connection.transaction { db in
                    try db.execute(script: migration.sql)
                    try db.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                 [migration.version, migration.name])
                }
            } catch {
                throw MigrationError(message: "migration \(migration.label) failed and was rolled back: \(error)")
            }
        }
        return pending
    }

    /// Migrations not yet recorded in `schema_migrations`.
    public func pending(on connection: PostgresConnection) throws -> [Migration] {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL").bool(0, 0) ?? false
        guard exists else { return migrations }
        let rows = try connection.query("SELECT version FROM schema_migrations")
        let applied = Set((0..<rows.count).compactMap { rows.int($0, 0) })
        return migrations.filter { !applied.contains($0.version) }
    }
}
