import Crypto
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
        try connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
        // Recorded from 0008 on; a database migrated before adopts the
        // checksums of the files as they are now.
        try connection.query("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text")
        for migration in migrations {
            try connection.query(
                "UPDATE schema_migrations SET checksum = $2 WHERE version = $1 AND checksum IS NULL",
                [migration.version, migration.checksum])
        }
        let pending = try self.pending(on: connection)
        for migration in pending {
            do {
                try connection.transaction { db in
                    try db.execute(script: migration.sql)
                    try db.query(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        [migration.version, migration.name, migration.checksum])
                }
            } catch {
                throw MigrationError(message: "migration \(migration.label) failed and was rolled back: \(error)")
            }
        }
        return pending
    }

    /// Migrations not yet recorded in `schema_migrations`. Throws, naming
    /// the file, when an applied migration's text has changed since: the
    /// database kept the old schema, and only a new migration can change it.
    public func pending(on connection: PostgresConnection) throws -> [Migration] {
        let exists: Bool = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").decode(0, "present")
        guard exists else { return migrations }
        let hasChecksums = try connection.query(
            """
            SELECT count(*) > 0 AS present FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'schema_migrations' AND column_name = 'checksum'
            """
        ).decode(0, "present", as: Bool.self)
        let rows = try connection.query("SELECT version, \(hasChecksums ? "checksum" : "NULL AS checksum") FROM schema_migrations")
        var applied: [Int: String?] = [:]
        for row in 0..<rows.count {
            applied[try rows.decode(row, "version", as: Int.self)] = try rows.decode(row, "checksum", as: String?.self)
        }
        for migration in migrations {
            if case let recorded?? = applied[migration.version], recorded != migration.checksum {
                throw MigrationError(
                    message: """
                        migration \(migration.label).sql was changed after this database applied it \
                        (checksum \(recorded.prefix(12))… recorded, \(migration.checksum.prefix(12))… now): the database \
                        keeps the schema of the old text; restore the file and put the change in a new migration
                        """)
            }
        }
        return migrations.filter { applied[$0.version] == nil }
    }
}
