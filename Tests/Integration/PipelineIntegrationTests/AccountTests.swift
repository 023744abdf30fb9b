import Domain
import Foundation
import Ledger
import Submission
import TestSupport
import XCTest

/// The open world with the real workers and services: wallets opened by
/// command, money in from a gateway (once per gateway payment), money out
/// in two phases, and operators freezing and closing wallets. Commands go
/// in phases, each decided before the next: lanes decide batches
/// concurrently, and these tests are about each rule, not about order.
final class AccountTests: PipelineTestCase {
    private let usd = Currency("USD")!

    private func usd(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: usd) }

    private func open(_ id: String, _ account: String, user: String, currency: String = "USD") -> SubmittedCommand {
        SubmittedCommand(AccountOpening(commandId: id, accountId: account, userId: user, currency: Currency(currency)!, purpose: .business))
    }

    private func deposit(_ id: String, _ account: String, _ minor: Int64, external: String, currency: String = "USD") -> SubmittedCommand {
        SubmittedCommand(
            Deposit(
                commandId: id, account: account, amount: Money(minorUnits: minor, currency: Currency(currency)!), gateway: "stripe",
                externalId: external))
    }

    private func withdraw(_ id: String, _ account: String, _ minor: Int64) -> SubmittedCommand {
        SubmittedCommand(Withdrawal(commandId: id, account: account, amount: usd(minor), gateway: "stripe", destination: "iban-1"))
    }

    private func settle(_ id: String, _ withdrawal: String) -> SubmittedCommand {
        SubmittedCommand(WithdrawalOutcome(commandId: id, withdrawalId: withdrawal, decision: .settle(externalId: "po_" + id)))
    }

    private func fail(_ id: String, _ withdrawal: String) -> SubmittedCommand {
        SubmittedCommand(WithdrawalOutcome(commandId: id, withdrawalId: withdrawal, decision: .fail(reason: "iban closed")))
    }

    /// Submits, waits until the accounts worker decided every one, and
    /// returns each outcome in order: "applied" or "rejected:<reason>".
    private func decide(_ commands: [SubmittedCommand], consumer: String = "accounts") throws -> [String] {
        try submit(commands)
        return try outcomes(commands.map(\.commandId), consumer: consumer)
    }

    private func outcomes(_ ids: [String], consumer: String = "accounts") throws -> [String] {
        try workbench.wait(upTo: .seconds(30), for: "\(ids) decided") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = $1 AND message_id = ANY($2::text[])", [consumer, ids]).int(0, 0)
                == Set(ids).count
        }
        let rows = try settings.connectDatabase().query(
            "SELECT message_id, outcome || coalesce(':' || reason, '') AS outcome FROM inbox WHERE consumer = $1 AND message_id = ANY($2::text[])",
            [consumer, ids])
        var byId: [String: String] = [:]
        for row in 0..<rows.count { byId[rows.string(row, 0)!] = rows.string(row, 1)! }
        return ids.map { byId[$0]! }
    }

    private func balance(_ account: String) throws -> Int {
        try count("SELECT balance::int FROM accounts WHERE id = $1", [account])
    }

    /// Money is conserved: every account's balance, system accounts
    /// included, sums to zero, and the ledger's own rules hold.
    private func assertLedgerHolds(file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try count("SELECT coalesce(sum(balance), 0)::int FROM accounts"), 0, file: file, line: line)
        XCTAssertEqual(try LedgerVerification.run(on: settings.connectDatabase()).problems, [], file: file, line: line)
    }

    func testWalletsOpenOnceAndAGatewayPaymentCreditsOnce() throws {
        try workbench.reset(wallets: 2, balance: 10_000)
        _ = try start("accounts-worker")
        _ = try startEventWorkers()

        XCTAssertEqual(
            try decide([open("o1", "a1", user: "alice"), open("o2", "w0001", user: "alice")]), ["applied", "rejected:account_exists"])
        XCTAssertEqual(
            try decide([open("o3", "a1", user: "alice"), open("o4", "a1", user: "bob"), open("o5", "a1", user: "alice", currency: "EUR")]),
            ["applied", "rejected:account_exists", "rejected:account_exists"], "the same owner and currency again changes nothing")
        XCTAssertEqual(try count("SELECT count(*) FROM accounts WHERE id = 'a1' AND user_id = 'alice' AND purpose = 'business'"), 1)

        XCTAssertEqual(
            try decide([
                deposit("d1", "a1", 15_000, external: "ch_1"), deposit("d2", "nope", 100, external: "ch_2"),
                deposit("d3", "a1", 100, external: "ch_3", currency: "EUR"),
            ]), ["applied", "rejected:unknown_wallet", "rejected:currency_mismatch"])
        // A webhook retried under a new command id, and the refused ones' payments, which were never credited.
        XCTAssertEqual(
            try decide([deposit("d4", "a1", 15_000, external: "ch_1"), deposit("d5", "a1", 100, external: "ch_2")]),
            ["rejected:duplicate_external_id", "applied"])
        // The CLI's door: the same command, the amount as decimal text.
        let cli = try runFlexfin([
            "submit", "deposit", "--account", "a1", "--amount", "1.00", "--gateway", "stripe", "--external-id", "ch_cli", "--id", "d6",
        ])
        XCTAssertEqual(cli.status, 0, cli.errors)
        XCTAssertEqual(try outcomes(["d6"]), ["applied"])
        XCTAssertEqual(try balance("a1"), 15_200)
        XCTAssertEqual(try balance("gateway.stripe.USD"), -15_200)
        XCTAssertEqual(try count("SELECT count(*) FROM deposits WHERE gateway = 'stripe'"), 3)

        try workbench.wait(upTo: .seconds(30), for: "alice told of the deposit") { db in
            try db.query("SELECT count(*) FROM notifications WHERE user_id = 'alice' AND message = '$150.00 arrived in a1 from stripe.'")
                .int(0, 0) == 1
        }
        try workbench.wait(upTo: .seconds(30), for: "the deposits counted as income") { db in
            try db.query("SELECT total FROM tax_quarters WHERE user_id = 'alice' AND category = 'income'").int(0, 0) == 15_200
        }
        try assertLedgerHolds()
    }

    func testAWithdrawalSettlesOrFailsExactlyOnce() throws {
        try workbench.reset(wallets: 2, balance: 10_000)
        _ = try start("accounts-worker")
        XCTAssertEqual(
            try decide([withdraw("wd1", "w0001", 6_000), withdraw("wd2", "w0001", 3_000), withdraw("wd3", "w0001", 1_001)]),
            ["applied", "applied", "rejected:insufficient_funds"])
        XCTAssertEqual(try balance("w0001"), 1_000)
        XCTAssertEqual(try balance("payout.stripe.USD"), 9_000)
        XCTAssertEqual(try count("SELECT count(*) FROM withdrawals WHERE status = 'pending'"), 2)

        XCTAssertEqual(try decide([settle("s1", "wd1"), fail("f1", "wd2")]), ["applied", "applied"])
        XCTAssertEqual(
            try decide([settle("s2", "wd1"), fail("f2", "wd1"), settle("s3", "wd2"), fail("f3", "wd2"), settle("s4", "nope")]),
            [
                "rejected:withdrawal_not_pending", "rejected:withdrawal_not_pending", "rejected:withdrawal_not_pending",
                "rejected:withdrawal_not_pending", "rejected:unknown_withdrawal",
            ])
        XCTAssertEqual(try balance("w0001"), 4_000, "wd2's money came back")
        XCTAssertEqual(try balance("payout.stripe.USD"), 0)
        XCTAssertEqual(try balance("gateway.stripe.USD"), 6_000)
        XCTAssertEqual(
            try count(
                "SELECT count(*) FROM withdrawals WHERE (id, status, decided_by) IN (('wd1', 'settled', 's1'), ('wd2', 'failed', 'f1'))"),
            2)
        try assertLedgerHolds()
    }

    func testOperatorsFreezeAndCloseWalletsOverHTTPAndEveryWorkerHonoursIt() throws {
        try workbench.reset(wallets: 2, balance: 10_000)
        for worker in ["accounts-worker", "payments-worker", "audit-worker"] { _ = try start(worker) }
        let api = try XCTUnwrap(startAPI().apiURL)
        let submitter = try apiKey("shop", "submit")
        let operatorKey = try apiKey("ops-alice", "submit,operate")
        func post(_ body: String, key: String) throws -> HTTPCall {
            try HTTPCall.send(
                URL(string: "/v1/commands", relativeTo: api)!, method: "POST",
                headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"], body: Data(body.utf8))
        }
        let freeze = #"{"command_id":"fz1","type":"account.freeze","account":"w0001","reason":"chargeback review"}"#
        let refused = try post(freeze, key: submitter)
        XCTAssertEqual(refused.status, 403, refused.text)
        XCTAssertTrue(refused.text.contains("operate"), refused.text)
        XCTAssertEqual(try post(freeze, key: operatorKey).status, 202)
        XCTAssertEqual(try outcomes(["fz1"]), ["applied"])

        // Frozen: pays nothing out, through any worker; still receives.
        XCTAssertEqual(try decide([payment("p1", "w0001", "w0002", 100)], consumer: "payments"), ["rejected:account_frozen"])
        XCTAssertEqual(try decide([payment("p2", "w0002", "w0001", 100)], consumer: "payments"), ["applied"])
        XCTAssertEqual(
            try decide([withdraw("wd1", "w0001", 100), deposit("d1", "w0001", 50, external: "ch_9")]),
            ["rejected:account_frozen", "applied"])

        XCTAssertEqual(
            try post(#"{"command_id":"cl1","type":"account.close","account":"w0001","reason":"user asked"}"#, key: operatorKey).status, 202)
        XCTAssertEqual(try outcomes(["cl1"]), ["rejected:balance_not_zero"])
        // Unfrozen through the CLI's door, by an actor it names.
        let unfreeze = try runFlexfin([
            "submit", "account-unfreeze", "--account", "w0001", "--reason", "cleared", "--id", "uf1", "--actor", "ops-bob",
        ])
        XCTAssertEqual(unfreeze.status, 0, unfreeze.errors)
        XCTAssertEqual(try outcomes(["uf1"]), ["applied"])
        XCTAssertEqual(try decide([withdraw("wd2", "w0001", 10_150)]), ["applied"])
        XCTAssertEqual(try decide([settle("s1", "wd2")]), ["applied"])
        XCTAssertEqual(
            try post(#"{"command_id":"cl2","type":"account.close","account":"w0001","reason":"user asked"}"#, key: operatorKey).status, 202)
        XCTAssertEqual(try outcomes(["cl2"]), ["applied"])
        XCTAssertEqual(try decide([payment("p3", "w0002", "w0001", 100)], consumer: "payments"), ["rejected:wallet_closed"])
        XCTAssertEqual(try decide([deposit("d2", "w0001", 50, external: "ch_10")]), ["rejected:wallet_closed"])

        // The audit log says who froze and closed it.
        try workbench.wait(upTo: .seconds(30), for: "the freeze and the closure audited with their actor") { db in
            try db.query(
                """
                SELECT count(*) FROM audit_log WHERE event_type IN ('account.frozen', 'account.closed')
                  AND body::jsonb #>> '{data,actor}' = 'ops-alice' AND body::jsonb #>> '{data,account}' = 'w0001'
                """
            ).int(0, 0) == 2
                && db.query(
                    "SELECT count(*) FROM audit_log WHERE event_type = 'account.unfrozen' AND body::jsonb #>> '{data,actor}' = 'ops-bob'"
                ).int(0, 0) == 1
        }
        try assertLedgerHolds()
    }

    private func object(_ call: HTTPCall, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(call.status, 200, call.text, file: file, line: line)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: call.body) as? [String: Any], call.text, file: file, line: line)
    }

    func testBalancesStatementsAndAUsersAccountsReadOverHTTPAndTheCLI() throws {
        try workbench.reset(wallets: 2, balance: 10_000)
        for worker in ["accounts-worker", "payments-worker"] { _ = try start(worker) }
        let api = try XCTUnwrap(startAPI().apiURL)
        let reader = try apiKey("app", "read")
        func get(_ path: String) throws -> HTTPCall {
            try HTTPCall.send(URL(string: path, relativeTo: api)!, method: "GET", headers: ["Authorization": "Bearer \(reader)"], body: nil)
        }

        // 12 payments into w0001: with its seed funding, 13 entries.
        let first = (1...12).map { payment("p\($0)", "w0002", "w0001", Int64($0)) }
        XCTAssertEqual(Set(try decide(first, consumer: "payments")), ["applied"])
        // The worker writes the cache just after its commit (the inbox row is in the commit).
        let cache = try settings.connectCache()
        try workbench.wait(upTo: .seconds(10), for: "w0001 cached") { _ in
            try cache.command(["HGET", WalletCache.key("w0001"), "balance"]).string == "10078"
        }
        let account = try object(get("/v1/accounts/w0001"))
        XCTAssertEqual(account["balance"] as? Int, 10_078)
        XCTAssertEqual(account["source"] as? String, "cache", "the payments worker cached it after its commit")
        XCTAssertEqual(account["user_id"] as? String, "u0001")
        XCTAssertEqual(account["status"] as? String, "open")
        XCTAssertEqual(try object(get("/v1/accounts/w0001?fresh=true"))["source"] as? String, "database")
        _ = try cache.command(["DEL", WalletCache.key("w0001")])
        XCTAssertEqual(try object(get("/v1/accounts/w0001"))["source"] as? String, "database", "a cache miss reads PostgreSQL")
        let refilled = try object(get("/v1/accounts/w0001"))
        XCTAssertEqual(refilled["source"] as? String, "cache", "and writes the cache back")
        XCTAssertEqual(refilled["balance"] as? Int, 10_078)
        // An entry from before the cache held whole accounts (balance and version only) is replaced, not trusted.
        _ = try cache.command(["DEL", WalletCache.key("w0001")])
        _ = try cache.command(["HSET", WalletCache.key("w0001"), "version", "999", "balance", "1"])
        XCTAssertEqual(try object(get("/v1/accounts/w0001"))["source"] as? String, "database")
        let replaced = try object(get("/v1/accounts/w0001"))
        XCTAssertEqual(replaced["source"] as? String, "cache")
        XCTAssertEqual(replaced["balance"] as? Int, 10_078)
        XCTAssertEqual(try get("/v1/accounts/nope").status, 404)

        // Page 1, then entries arrive, then the pages after it: exact, newest first.
        let page1 = try object(get("/v1/accounts/w0001/entries?limit=5"))
        var entries = try XCTUnwrap(page1["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["amount"] as? Int }, [12, 11, 10, 9, 8])
        XCTAssertEqual(entries.first?["balance_after"] as? Int, 10_078)
        XCTAssertEqual(entries.first?["counterparty"] as? String, "w0002")
        XCTAssertEqual(entries.first?["command_id"] as? String, "p12")
        XCTAssertEqual(Set(try decide((13...15).map { payment("p\($0)", "w0002", "w0001", Int64($0)) }, consumer: "payments")), ["applied"])
        var next = page1["next"] as? Int
        while let cursor = next {
            let page = try object(get("/v1/accounts/w0001/entries?limit=5&after=\(cursor)"))
            entries += try XCTUnwrap(page["entries"] as? [[String: Any]])
            next = page["next"] as? Int
        }
        XCTAssertEqual(entries.map { $0["amount"] as? Int }, [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 10_000], "none skipped, none twice")
        XCTAssertEqual(entries.last?["kind"] as? String, "deposit")
        for (newer, older) in zip(entries, entries.dropFirst()) {
            XCTAssertEqual(
                (newer["balance_after"] as! Int) - (newer["amount"] as! Int), older["balance_after"] as? Int, "balances chain")
        }
        XCTAssertEqual(entries.last?["balance_after"] as? Int, 10_000)
        let fresh = try XCTUnwrap(try object(get("/v1/accounts/w0001/entries?limit=3"))["entries"] as? [[String: Any]])
        XCTAssertEqual(fresh.map { $0["amount"] as? Int }, [15, 14, 13], "a new first page starts with what arrived")
        XCTAssertEqual(fresh.first?["balance_after"] as? Int, 10_120)
        XCTAssertEqual(try get("/v1/accounts/w0001/entries?limit=501").status, 400)
        XCTAssertEqual(try get("/v1/accounts/w0001/entries?after=abc").status, 400)

        let owned = try XCTUnwrap(try object(get("/v1/users/u0001/accounts"))["accounts"] as? [[String: Any]])
        XCTAssertEqual(owned.map { $0["account"] as? String }, ["w0001"])
        XCTAssertEqual(owned.first?["balance"] as? Int, 10_120)

        // The CLI reads the same, money as people read it.
        XCTAssertEqual(try decide([withdraw("wd1", "w0001", 2_000)]), ["applied"])
        try workbench.wait(upTo: .seconds(10), for: "the withdrawal cached") { _ in
            try cache.command(["HGET", WalletCache.key("w0001"), "balance"]).string == "8120"
        }
        let shown = try runFlexfin(["account", "show", "w0001"])
        XCTAssertTrue(shown.output.contains("w0001 (u0001, personal, open): $81.20"), shown.output + shown.errors)
        XCTAssertTrue(try runFlexfin(["account", "show", "w0001", "--json"]).output.contains(#""balance":8120"#))
        let statement = try runFlexfin(["account", "entries", "w0001", "--limit", "2"]).output
        XCTAssertTrue(statement.contains("withdrawal  to payout.stripe.USD  -$20.00  balance $81.20"), statement)
        XCTAssertTrue(statement.contains("more: --after "), statement)
        XCTAssertTrue(try runFlexfin(["account", "list", "--user", "u0002"]).output.contains("w0002 (u0002, personal, open): $98.80"))
        let pending = try runFlexfin(["withdrawals", "--pending", "--older-than", "0s"]).output
        XCTAssertTrue(pending.contains("wd1  w0001  $20.00  via stripe to iban-1"), pending)
        XCTAssertTrue(pending.contains("1 pending"), pending)
        XCTAssertTrue(try runFlexfin(["withdrawals", "--pending", "--older-than", "1h"]).output.contains("0 pending"))
    }
}
