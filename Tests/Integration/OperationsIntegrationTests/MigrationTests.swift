import Foundation
import Migrations
import PostgresClient
import Settings
import TestSupport
import XCTest

/// Migrations against a throwaway database on the real server.
final class MigrationTests: XCTestCase {
    private var database = ""
    private var databaseURL = ""

    override func setUpWithError() throws {
        database = "flexfin_test_" + UUID().uuidString.prefix(8).lowercased()
        try TestServices.settings.connectDatabase().query("CREATE DATABASE \(database)")
        databaseURL = try TestServices.settings.databaseURL(naming: database)
    }

    override func tearDownWithError() throws {
        // Not WITH (FORCE): that refuses outright while autovacuum is in the database.
        try TestServices.settings.connectDatabase().query("DROP DATABASE IF EXISTS \(database)")
    }

    func testMigrateTwiceAppliesNothingTheSecondTime() throws {
        let bundled = try Migration.bundled()
        XCTAssertGreaterThanOrEqual(bundled.count, 3)
        let first = try runFlexfin(["migrate"], environment: ["FLEXFIN_DATABASE_URL": databaseURL])
        XCTAssertEqual(first.status, 0, first.errors)
        XCTAssertTrue(first.output.contains("applied \(bundled.count) of \(bundled.count) migrations"), first.output)
        let second = try runFlexfin(["migrate"], environment: ["FLEXFIN_DATABASE_URL": databaseURL])
        XCTAssertEqual(second.status, 0, second.errors)
        XCTAssertFalse(second.output.contains("applied 0"), second.output)
        XCTAssertTrue(second.output.contains("schema up to date"), second.output)

        let connection = try PostgresConnection(databaseURL)
        XCTAssertEqual(try connection.query("SELECT count(*) FROM schema_migrations").int(0, 0), bundled.count)
        for table in ["accounts", "transfers", "ledger_entries", "inbox", "outbox", "audit_log", "wallets", "system_accounts"] {
            XCTAssertEqual(try connection.query("SELECT to_regclass($1) IS NOT NULL", [table]).bool(0, 0), true, table)
        }
    }

    func testTwoProcessesMigratingAtOnceApplyEachMigrationOnce() throws {
        let migrator = Migrator(migrations: try Migration.bundled())
        let url = databaseURL
        let results = Results()
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do { results.add(.success(try migrator.apply(on: PostgresConnection(url)).count)) } catch { results.add(.failure(error)) }
            }
        }
        group.wait()
        let counts = try results.values.map { try $0.get() }
        XCTAssertEqual(counts.reduce(0, +), migrator.migrations.count, "each migration applied by exactly one of the two")
        XCTAssertEqual(try PostgresConnection(url).query("SELECT count(*) FROM schema_migrations").int(0, 0), migrator.migrations.count)
    }

    /// A database that applied a migration keeps its schema: an edit to the
    /// file afterwards would silently not apply, so migrate refuses.
    func testAnAppliedMigrationWhoseTextChangedIsRefusedNamingTheFile() throws {
        var migrations = try Migration.bundled()
        let connection = try PostgresConnection(databaseURL)
        try Migrator(migrations: migrations).apply(on: connection)
        let edited = migrations[4]
        migrations[4] = Migration(version: edited.version, name: edited.name, sql: edited.sql + "\n-- edited after it shipped\n")
        XCTAssertThrowsError(try Migrator(migrations: migrations).apply(on: connection)) { error in
            XCTAssertTrue("\(error)".contains("migration \(edited.label).sql was changed after this database applied it"), "\(error)")
        }
        XCTAssertThrowsError(try Migrator(migrations: migrations).pending(on: connection), "a dry run says so too")

        // A database migrated before checksums were recorded adopts them.
        try connection.query("UPDATE schema_migrations SET checksum = NULL")
        XCTAssertEqual(try Migrator(migrations: try Migration.bundled()).apply(on: connection), [])
        XCTAssertEqual(try connection.query("SELECT count(*) FROM schema_migrations WHERE checksum IS NULL").int(0, 0), 0)
        XCTAssertThrowsError(try Migrator(migrations: migrations).apply(on: connection))
    }

    func testAFailingMigrationRollsBackAndSaysWhich() throws {
        let broken = [
            Migration(version: 1, name: "good", sql: "CREATE TABLE good (id int)"),
            Migration(version: 2, name: "broken", sql: "CREATE TABLE half (id int); SELECT no_such_column FROM good"),
        ]
        let connection = try PostgresConnection(databaseURL)
        XCTAssertThrowsError(try Migrator(migrations: broken).apply(on: connection)) { error in
            XCTAssertTrue("\(error)".contains("0002_broken"), "\(error)")
        }
        XCTAssertEqual(try connection.query("SELECT to_regclass('half') IS NULL").bool(0, 0), true, "rolled back whole")
        XCTAssertEqual(try connection.query("SELECT count(*) FROM schema_migrations").int(0, 0), 1)
    }
}

private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Result<Int, Error>] = []
    func add(_ result: Result<Int, Error>) { lock.withLock { stored.append(result) } }
    var values: [Result<Int, Error>] { lock.withLock { stored } }
}
