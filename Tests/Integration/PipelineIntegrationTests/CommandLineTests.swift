import Foundation
import Ledger
import RedisClient
import TestSupport
import WorkerRuntime
import XCTest

/// The operator's commands end to end: submit, status, ledger verify.
final class CommandLineTests: PipelineTestCase {
    private func file(_ lines: [String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-\(UUID().uuidString).jsonl")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func line(_ id: String, amount: String = "100") -> String {
        #"{"command_id":"\#(id)","type":"payment","payer":"w0001","payee":"w0002","amount":\#(amount),"currency":"USD"}"#
    }

    /// Seeding projects and debts is rerunnable; `project show` and `debt`
    /// read them back, and an unknown id exits 3.
    func testSeedingProjectsAndDebtsTwiceAndReadingThemBack() throws {
        var seedOutput = ""
        for round in 0..<2 {
            let seed = try runFlexfin(["seed", "--wallets", "1000", "--projects", "3", "--debts", "3"])
            XCTAssertEqual(seed.status, 0, seed.errors)
            seedOutput += seed.output
            XCTAssertTrue(
                seed.output.contains(
                    round == 0
                        ? "3 projects created with 4 milestones each (9 funded from the clients' wallets)"
                        : "0 projects created with 4 milestones each (0 funded from the clients' wallets), 3 already there"),
                seed.output)
            XCTAssertTrue(
                seed.output.contains(round == 0 ? "3 debts created" : "0 debts created to lender.bank.USD, 3 already there"), seed.output)
        }
        let project = try runFlexfin(["project", "show", "p0002", "--json"])
        XCTAssertEqual(project.status, 0, project.errors)
        let shown = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(project.output.utf8)) as? [String: Any], project.output)
        XCTAssertEqual(shown["portfolio_wallet"] as? String, "pw0003")
        let milestones = try XCTUnwrap(shown["milestones"] as? [[String: Any]])
        let m2 = try XCTUnwrap(milestones.first { $0["milestone_id"] as? String == "p0002-m2" })
        XCTAssertEqual(m2["escrow"] as? Int, 25_000)
        XCTAssertEqual(m2["status"] as? String, "funded")
        XCTAssertEqual((m2["fundings"] as? [[String: Any]])?.compactMap { $0["amount"] as? Int }, [25_000], "the seed's funding")
        let m4 = try XCTUnwrap(milestones.first { $0["milestone_id"] as? String == "p0002-m4" })
        XCTAssertEqual(m4["escrow"] as? Int, 0)
        XCTAssertEqual(m4["status"] as? String, "pending")
        XCTAssertEqual(try runFlexfin(["project", "show", "p0009"]).status, 3)
        let debts = try runFlexfin(["debt", "list", "--user", "u0002", "--json"])
        XCTAssertEqual(debts.output.split(separator: "\n").count, 1, debts.output)
        XCTAssertTrue(
            debts.output.contains(#""debt_id":"d0002""#) && debts.output.contains(#""outstanding_principal":500000"#), debts.output)
        XCTAssertEqual(try runFlexfin(["debt", "show", "d0009"]).status, 3)
        // For people, money is written by its currency: $5,000.00, not 500000.
        XCTAssertTrue(try runFlexfin(["debt", "list", "--user", "u0002"]).output.contains("outstanding $5,000.00, payoff today $"))
        XCTAssertTrue(try runFlexfin(["debt", "show", "d0002"]).output.contains("outstanding principal $5,000.00; interest accrued"))
        XCTAssertTrue(try runFlexfin(["project", "show", "p0002"]).output.contains("p0002-m2: funded, amount $250.00, escrow $250.00"))
        XCTAssertTrue(seedOutput.contains("funded with $10,000.00 each"), seedOutput)
        let badStatus = try runFlexfin(["debt", "list", "--status", "open"])
        XCTAssertNotEqual(badStatus.status, 0)
        XCTAssertTrue(badStatus.errors.contains("--status must be active or paid_off"), badStatus.errors)
        XCTAssertEqual(try runFlexfin(["ledger", "verify"]).status, 0)
    }

    /// Clients whose wallets cannot cover a milestone leave it pending: the
    /// seed neither fails nor overdraws.
    func testSeedingProjectsFundsOnlyWhatTheClientsCanCover() throws {
        try workbench.reset(wallets: 3, balance: 20_000)
        let seed = try runFlexfin(["seed", "--wallets", "3", "--projects", "2"])
        XCTAssertEqual(seed.status, 0, seed.errors)
        XCTAssertTrue(seed.output.contains("2 projects created with 4 milestones each (2 funded from the clients' wallets)"), seed.output)
        XCTAssertEqual(try count("SELECT count(*) FROM milestones WHERE status = 'funded'"), 2)
        XCTAssertEqual(try count("SELECT balance::int FROM accounts WHERE id = 'w0001'"), 10_000)
        XCTAssertEqual(try runFlexfin(["ledger", "verify"]).status, 0)
    }

    func testAMalformedLineIsNamedAndNothingIsPublished() throws {
        let commands = try file([line("f1"), "{oops", line("f3", amount: "-4"), "", line("f5")])
        let refused = try runFlexfin(["submit", "--file", commands.path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.errors.contains("line 2: the body is not valid JSON"), refused.errors)
        XCTAssertTrue(refused.errors.contains("line 3: field 'amount': must be positive, got -4"), refused.errors)
        XCTAssertTrue(refused.errors.contains("nothing published"), refused.errors)
        XCTAssertEqual(try readyMessages("commands.payment"), 0)

        let skipped = try runFlexfin(["submit", "--file", commands.path, "--skip-invalid"])
        XCTAssertEqual(skipped.status, 0, skipped.errors)
        XCTAssertTrue(skipped.output.contains("accepted 2, refused 2"), skipped.output)
        XCTAssertEqual(try readyMessages("commands.payment"), 2)
    }

    /// Every door: a clear message naming what was wrong, a non-zero exit,
    /// and nothing published, dead-lettered, audited or applied.
    func testBadInputAtEveryDoorIsNamedExitsNonZeroAndChangesNothing() throws {
        let valid = try file([line("door-1")]).path
        let doors: [(arguments: [String], environment: [String: String], says: String)] = [
            (["submit", "--file", valid, "--bogus"], [:], "Unknown option '--bogus'"),
            (["submit", "--file", "/nonexistent/commands.jsonl"], [:], "cannot read /nonexistent/commands.jsonl"),
            (["dlq", "replay", "commands.payment", "--all", "--bogus"], [:], "Unknown option '--bogus'"),
            (["dlq", "list", "no.such.queue"], [:], "no dead-letter queue for \"no.such.queue\": the work queues are commands.payment"),
            (["dlq", "replay", "no.such.queue", "--all"], [:], "no dead-letter queue for \"no.such.queue\""),
            (["dlq", "purge", "no.such.queue", "--id", "x", "--yes"], [:], "no dead-letter queue for \"no.such.queue\""),
            (["dlq", "replay", "commands.payment", "--all", "--rate", "0"], [:], "--rate must be at least 1"),
            (["submit", "--file", valid], ["FLEXFIN_AMQP_URL": "amqp://u:p@127.0.0.1:notaport/v"], "FLEXFIN_AMQP_URL is not usable"),
            (
                ["ledger", "verify"], ["FLEXFIN_DATABASE_URL": "postgresql://flexfin@127.0.0.1:notaport/x"],
                #"invalid integer value "notaport" for connection option "port""#
            ),
            (["status", "door-1"], ["FLEXFIN_REDIS_URL": "redis://127.0.0.1:x"], "FLEXFIN_REDIS_URL is not usable"),
        ]
        for door in doors {
            let run = try runFlexfin(door.arguments, environment: door.environment)
            XCTAssertNotEqual(run.status, 0, "flexfin \(door.arguments.joined(separator: " ")) must fail")
            XCTAssertTrue(run.errors.contains(door.says), "flexfin \(door.arguments.joined(separator: " ")) says: \(run.errors)")
        }

        // A worker with a malformed connection string: configuration, not a
        // transient fault. It says so and exits 2 instead of retrying forever.
        let misconfigured = try start("payments-worker", environment: ["FLEXFIN_DATABASE_URL": "nonsense"])
        try workbench.wait(upTo: .seconds(10), for: "the misconfigured worker to exit") { _ in !misconfigured.isRunning }
        XCTAssertEqual(misconfigured.process.terminationStatus, 2)
        XCTAssertTrue(
            misconfigured.logText.contains("cannot start, and retrying will not help") && misconfigured.logText.contains("nonsense"),
            misconfigured.logText)

        XCTAssertEqual(try readyMessages("commands.payment"), 0, "nothing published")
        XCTAssertEqual(try count("SELECT count(*) FROM audit_log"), 0, "no operator action recorded")
        XCTAssertEqual(try count("SELECT count(*) FROM inbox"), 0)
    }

    func testASubmittedPaymentIsAppliedAndItsStatusFollows() throws {
        let submitted = try runFlexfin(["submit", "payment", "--from", "w0001", "--to", "w0002", "--amount", "12.34", "--id", "cli-1"])
        XCTAssertEqual(submitted.status, 0, submitted.errors)
        XCTAssertEqual(submitted.output.trimmingCharacters(in: .whitespacesAndNewlines), "cli-1")
        XCTAssertTrue(try runFlexfin(["status", "cli-1"]).output.contains("accepted"))

        _ = try start("payments-worker")
        try workbench.wait(upTo: .seconds(20), for: "the payment") { db in
            try db.query("SELECT amount FROM transfers WHERE command_id = 'cli-1'").int64(0, 0) == 1234
        }
        try workbench.wait(upTo: .seconds(5), for: "the cached status") { _ in
            try runFlexfin(["status", "cli-1"]).output.contains("applied")
        }
        // Without the cache entry, PostgreSQL answers.
        try settings.connectCache().command(["DEL", CommandStatus.key("cli-1")])
        let fromDatabase = try runFlexfin(["status", "cli-1"])
        XCTAssertTrue(fromDatabase.output.contains("applied") && fromDatabase.output.contains("source: database"), fromDatabase.output)

        let unknown = try runFlexfin(["status", "never-sent"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("unknown"), unknown.output)

        let bad = try runFlexfin(["submit", "payment", "--from", "w0001", "--to", "w0002", "--amount", "1.234"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.errors.contains("--amount 1.234"), bad.errors)
    }

    func testLedgerVerifyPassesThenNamesABrokenAccount() throws {
        let intact = try runFlexfin(["ledger", "verify"])
        XCTAssertEqual(intact.status, 0, intact.output + intact.errors)
        XCTAssertTrue(intact.output.contains("ledger verified: 1000 transfers"), intact.output)

        try settings.connectDatabase().query("UPDATE accounts SET balance = balance + 1 WHERE id = 'w0042'")
        let broken = try runFlexfin(["ledger", "verify"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.output.contains("account w0042: balance 1000001 but its entries sum to 1000000"), broken.output)
    }

    /// The daily nets the 30-day average reads are derived from the
    /// entries; verify holds them to it.
    func testLedgerVerifyNamesAWalletWhoseDailyNetDisagreesWithItsEntries() throws {
        try settings.connectDatabase().query("UPDATE wallet_daily_net SET net = net - 5 WHERE wallet = 'w0011'")
        let broken = try runFlexfin(["ledger", "verify"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(
            broken.output.contains("wallet w0011 on ")
                && broken.output.contains("its daily net says 999995 but its entries sum to 1000000"),
            broken.output)
    }

    func testLedgerVerifyNamesAnEntryMovedToAnotherAccount() throws {
        // The entries' own foreign keys are gone (migration 0007): verify
        // is what proves every entry sits on its transfer's account.
        try settings.connectDatabase().query(
            """
            UPDATE ledger_entries SET account_id = 'w0007' WHERE id = (SELECT min(id) FROM ledger_entries WHERE account_id = 'w0003')
            """)
        let broken = try runFlexfin(["ledger", "verify"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(
            broken.output.contains("account w0007") && broken.output.contains("does not match a debit or credit of its transfer"),
            broken.output)
    }

    /// Transfers have no foreign keys either (migration 0018).
    func testLedgerVerifyNamesATransferOnAnAccountThatDoesNotExist() throws {
        try settings.connectDatabase().query("UPDATE transfers SET credit_account = 'w9999' WHERE id = (SELECT min(id) FROM transfers)")
        let broken = try runFlexfin(["ledger", "verify"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.output.contains("names account w9999, which does not exist"), broken.output)
    }
}
