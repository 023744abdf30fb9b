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
        XCTAssertEqual(try balance("a1"), 15_100)
        XCTAssertEqual(try balance("gateway.stripe.USD"), -15_100)
        XCTAssertEqual(try count("SELECT count(*) FROM deposits WHERE gateway = 'stripe'"), 2)

        try workbench.wait(upTo: .seconds(30), for: "alice told of the deposit") { db in
            try db.query("SELECT count(*) FROM notifications WHERE user_id = 'alice' AND message = '$150.00 arrived in a1 from stripe.'")
                .int(0, 0) == 1
        }
        try workbench.wait(upTo: .seconds(30), for: "the deposits counted as income") { db in
            try db.query("SELECT total FROM tax_quarters WHERE user_id = 'alice' AND category = 'income'").int(0, 0) == 15_100
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
        XCTAssertEqual(
            try decide([
                SubmittedCommand(AccountStatusChange(commandId: "uf1", type: .accountUnfreeze, account: "w0001", reason: "cleared")),
                withdraw("wd2", "w0001", 10_150),
            ]), ["applied", "applied"])
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
        }
        try assertLedgerHolds()
    }
}
