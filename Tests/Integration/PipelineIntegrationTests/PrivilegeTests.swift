import Foundation
import PostgresClient
import Settings
import TestSupport
import XCTest

/// Least privilege in PostgreSQL: connected as each runtime role, what a
/// compromised worker, API or operator host would try first is refused
/// (SQLSTATE 42501), and a runtime process refuses to log in as the owner.
final class PrivilegeTests: PipelineTestCase {
    private func refusal(_ sql: String, as role: RuntimeRole) throws -> String? {
        var settings = settings
        settings.databaseURL = try settings.databaseURL(user: role.rawValue)
        let database = try settings.connectDatabase()
        do {
            try database.transaction { db in
                try db.execute(script: sql)
                throw Undo()
            }
        } catch let error as PostgresError { return error.sqlState.code } catch is Undo { return nil }
        return nil
    }

    private struct Undo: Error {}

    func testEachRuntimeRoleIsRefusedWhatWouldRewriteTheLedgerOrTheAuditLogOrMintKeys() throws {
        try workbench.reset(wallets: 2, balance: 1_000)
        let attempts = [
            "ALTER TABLE audit_log DISABLE TRIGGER ALL", "UPDATE audit_log SET body = '{}'", "DELETE FROM audit_log",
            "DELETE FROM transfers", "TRUNCATE ledger_entries", "DELETE FROM accounts", "UPDATE schema_migrations SET checksum = 'x'",
            "DELETE FROM command_approvals",
        ]
        let mint = "INSERT INTO api_keys (id, name, secret_sha256, scopes) VALUES ('0123456789abcdef', 'mine', repeat('0', 64), '{submit}')"
        for role in RuntimeRole.allCases {
            for sql in attempts { XCTAssertEqual(try refusal(sql, as: role), "42501", "\(role.rawValue): \(sql)") }
            XCTAssertEqual(try refusal(mint, as: role), role == .operator ? nil : "42501", "\(role.rawValue) minting a key")
            // What each role is for still works.
            XCTAssertNil(try refusal("SELECT count(*) FROM transfers; UPDATE accounts SET version = version WHERE id = 'w0001'", as: role))
        }
        XCTAssertEqual(try refusal("SELECT count(*) FROM api_keys", as: .worker), "42501", "workers never see API keys")
        XCTAssertNil(try refusal("SELECT count(*) FROM api_keys", as: .api))
    }

    /// The harness runs every worker and the API as their roles, so the
    /// whole suite passes with the rights they have.
    func testTheWorkersAndTheAPILogInAsTheirRoles() throws {
        try workbench.reset(wallets: 1, balance: 0)
        _ = try start("payments-worker")
        _ = try startAPI()
        try workbench.wait(upTo: .seconds(30), for: "both roles' sessions") { db in
            let roles = try db.query(
                "SELECT DISTINCT usename::text FROM pg_stat_activity WHERE datname = current_database() AND usename::text LIKE 'flexfin\\_%'"
            )
            let names = Set(try (0..<roles.count).map { try roles.decode($0, 0, as: String.self) })
            return names.isSuperset(of: ["flexfin_worker", "flexfin_api"])
        }
    }

    /// Outside local mode a connection as the owner is refused, naming the
    /// roles to use. (Settings built here: this machine's passwords are the
    /// local ones, which outside local mode are refused before any login.)
    func testARuntimeProcessRefusesToLogInAsTheOwnerOutsideLocalMode() throws {
        try workbench.reset(wallets: 1, balance: 0)
        var outside = settings
        outside.localMode = false
        XCTAssertThrowsError(try outside.connectDatabase()) {
            XCTAssertTrue("\($0)".contains("the owner of the tables") && "\($0)".contains("flexfin_operator"), "\($0)")
        }
        outside.databaseURL = try settings.databaseURL(user: RuntimeRole.operator.rawValue)
        XCTAssertNoThrow(try outside.connectDatabase(), "as the operator's role")
        XCTAssertNoThrow(try outside.connectDatabaseAsOwner([:]), "migrations log in as the owner")
    }
}
