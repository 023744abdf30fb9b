import Ledger
import PostgresClient
import XCTest

/// What the transfers' foreign keys guaranteed, kept without them
/// (migration 0018): no posting lands on an account that does not exist,
/// and no account disappears or changes its id.
final class LedgerIntegrityTests: PipelineTestCase {
    func testAPostingToAnAccountThatDoesNotExistIsRefusedAndWritesNothing() throws {
        let database = try settings.connectDatabase()
        let before = try database.query("SELECT count(*) FROM transfers").decode(0, 0, as: Int.self)
        let postings = [
            TransferPosting(
                commandId: "to-nowhere-1", kind: "p2p", debitAccount: "w0001", creditAccount: "w0002", amount: 5, currency: "USD"),
            TransferPosting(
                commandId: "to-nowhere-2", kind: "p2p", debitAccount: "w0001", creditAccount: "w9999", amount: 5, currency: "USD"),
        ]
        XCTAssertThrowsError(try database.transaction { try LedgerStore.post(postings, in: $0) }) { error in
            XCTAssertEqual((error as? UnknownAccounts)?.ids, ["w9999"], "\(error)")
        }
        let splits = [
            SplitPosting(
                commandId: "split-to-nowhere", kind: "milestone_release", debitAccount: "w0003", currency: "USD",
                credits: [("w0004", 90), ("fees:XXX", 10)])
        ]
        XCTAssertThrowsError(try database.transaction { try LedgerStore.post(splits: splits, in: $0) }) { error in
            XCTAssertEqual((error as? UnknownAccounts)?.ids, ["fees:XXX"], "\(error)")
        }
        XCTAssertEqual(try database.query("SELECT count(*) FROM transfers").decode(0, 0, as: Int.self), before)
    }

    func testAnAccountIsNeverDeletedTruncatedOrRenamed() throws {
        let database = try settings.connectDatabase()
        try database.query("INSERT INTO accounts (id, kind, currency) VALUES ('unused-1', 'clearing', 'USD')")
        for statement in [
            "DELETE FROM accounts WHERE id = 'unused-1'", "UPDATE accounts SET id = 'unused-2' WHERE id = 'unused-1'",
            "TRUNCATE accounts CASCADE",
        ] {
            XCTAssertThrowsError(try database.query(statement), statement) { error in
                XCTAssertTrue("\(error)".contains("accounts are never deleted or renamed"), "\(statement): \(error)")
            }
        }
        XCTAssertEqual(try database.query("SELECT count(*) FROM accounts WHERE id = 'unused-1'").decode(0, 0, as: Int.self), 1)
        XCTAssertGreaterThan(try database.query("SELECT count(*) FROM transfers").decode(0, 0, as: Int.self), 0)
    }
}
