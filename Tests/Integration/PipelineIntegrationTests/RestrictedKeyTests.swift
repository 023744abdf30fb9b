import Foundation
import TestSupport
import XCTest

/// Stripe's restricted keys, through HTTP: a key bound to the accounts it
/// may debit is refused any other (403 naming it); above its ceiling a
/// command is held as `pending_approval` until an operator with another key
/// approves it (published then) or declines it (never published), both on
/// the audit log.
final class RestrictedKeyTests: PipelineTestCase {
    private var api: URL!

    private func post(_ path: String, _ body: String, key: String) throws -> HTTPCall {
        try HTTPCall.send(
            URL(string: path, relativeTo: api)!, method: "POST",
            headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"], body: Data(body.utf8))
    }

    private func pay(_ id: String, from payer: String, _ amount: Int, key: String) throws -> HTTPCall {
        try post(
            "/v1/commands",
            #"{"command_id":"\#(id)","type":"payment","payer":"\#(payer)","payee":"w0003","amount":\#(amount),"currency":"USD"}"#,
            key: key)
    }

    private func status(_ id: String, key: String) throws -> String? {
        try HTTPCall.send(URL(string: "/v1/commands/\(id)", relativeTo: api)!, headers: ["Authorization": "Bearer \(key)"]).json?["status"]
            as? String
    }

    private func applied(_ id: String) throws -> Bool {
        try count("SELECT count(*)::int FROM inbox WHERE message_id = $1 AND consumer = 'payments'", [id]) == 1
    }

    func testARestrictedKeyIsRefusedOtherAccountsAndWaitsForAnotherOperatorAboveItsCeiling() throws {
        try workbench.reset(wallets: 3, balance: 100_000)
        _ = try ["payments-worker", "audit-worker"].map { try start($0) }
        api = try XCTUnwrap(startAPI().apiURL)
        let shop = try apiKey("shop", "submit,read", limits: ["--debit-account", "w0001", "--ceiling", "USD:500.00"])
        let shopOperator = try apiKey("shop-ops", "submit,read,operate", limits: ["--ceiling", "USD:500.00"])
        let anna = try apiKey("ops-anna", "read,operate")
        let clerk = try apiKey("clerk", "submit,read")

        // Outside its accounts: 403 naming the account, nothing claimed or published.
        let outside = try pay("p-other", from: "w0002", 100, key: shop)
        XCTAssertEqual(outside.status, 403, outside.text)
        XCTAssertTrue(outside.text.contains("account_not_permitted") && outside.text.contains("w0002"), outside.text)
        XCTAssertEqual(try count("SELECT count(*)::int FROM api_submissions WHERE command_id = 'p-other'"), 0)

        // Within its ceiling: accepted; above: held, not published.
        XCTAssertEqual(try pay("p-small", from: "w0001", 10_000, key: shop).status, 202)
        let held = try pay("p-big", from: "w0001", 60_000, key: shop)
        XCTAssertEqual(held.status, 202, held.text)
        XCTAssertEqual(held.json?["status"] as? String, "pending_approval", held.text)
        try workbench.wait(upTo: .seconds(30), for: "p-small applied") { _ in try self.applied("p-small") }
        XCTAssertEqual(try status("p-big", key: shop), "pending_approval")
        let cli = try runFlexfin(["status", "p-big"])
        XCTAssertTrue(cli.output.contains("pending_approval") && cli.output.contains("$500.00"), cli.output + cli.errors)
        XCTAssertFalse(try applied("p-big"))
        XCTAssertEqual(try count("SELECT balance::int FROM accounts WHERE id = 'w0001'"), 90_000)

        // Who may decide: the operate scope, and never the submitter's own key.
        XCTAssertEqual(try post("/v1/commands/p-big/approve", "", key: clerk).status, 403, "submit and read only")
        XCTAssertEqual(try pay("p-own", from: "w0002", 60_000, key: shopOperator).status, 202)
        let own = try post("/v1/commands/p-own/approve", "", key: shopOperator)
        XCTAssertEqual(own.status, 403, own.text)
        XCTAssertTrue(own.text.contains("same_key"), own.text)

        // What waits, as an approver sees it: over HTTP by pages, and in the CLI.
        let first = try HTTPCall.send(URL(string: "/v1/approvals?limit=1", relativeTo: api)!, headers: ["Authorization": "Bearer \(anna)"])
        XCTAssertEqual((first.json?["pending"] as? [[String: Any]])?.map { $0["command_id"] as? String }, ["p-big"], first.text)
        XCTAssertEqual(first.json?["next"] as? String, "p-big")
        let second = try HTTPCall.send(
            URL(string: "/v1/approvals?limit=1&after=p-big", relativeTo: api)!, headers: ["Authorization": "Bearer \(anna)"])
        XCTAssertEqual((second.json?["pending"] as? [[String: Any]])?.map { $0["command_id"] as? String }, ["p-own"], second.text)
        let listed = try runFlexfin(["approvals"])
        XCTAssertTrue(listed.output.contains("p-big  payment  $600.00 from w0001  (ceiling $500.00)  sent by shop"), listed.output)

        // Approved by another operator: published, applied, audited once.
        let approval = try post("/v1/commands/p-big/approve", "", key: anna)
        XCTAssertEqual(approval.status, 200, approval.text)
        try workbench.wait(upTo: .seconds(30), for: "p-big applied") { _ in try self.applied("p-big") }
        XCTAssertEqual(try count("SELECT balance::int FROM accounts WHERE id = 'w0001'"), 30_000)
        XCTAssertEqual(try post("/v1/commands/p-big/approve", "", key: anna).status, 409, "already decided")

        // Declined: never published; sending it again is refused.
        let decline = try post("/v1/commands/p-own/decline", #"{"reason":"no invoice"}"#, key: anna)
        XCTAssertEqual(decline.status, 200, decline.text)
        XCTAssertEqual(try status("p-own", key: shop), "declined")
        XCTAssertEqual(try pay("p-own", from: "w0002", 60_000, key: shopOperator).status, 409)
        XCTAssertFalse(try applied("p-own"))
        XCTAssertEqual(try runFlexfin(["approvals"]).output, "nothing waits for approval\n")

        let audited = try settings.connectDatabase().query(
            "SELECT event_type, body FROM audit_log WHERE event_type LIKE 'operator.command.%' ORDER BY seq")
        XCTAssertEqual(
            try (0..<audited.count).map { try audited.decode($0, "event_type", as: String.self) },
            ["operator.command.approve", "operator.command.decline"])
        for row in 0..<audited.count {
            XCTAssertTrue(try audited.decode(row, "body", as: String.self).contains("ops-anna"))
        }
        XCTAssertEqual(try runFlexfin(["audit", "verify"]).status, 0)
    }

    /// Every kind of debit, in one JSON-lines request: each line decided on
    /// its own, a funding's ceiling in its wallet's currency.
    func testEveryCommandThatDebitsIsCheckedLineByLine() throws {
        try workbench.reset(wallets: 3, balance: 100_000)
        api = try XCTUnwrap(startAPI().apiURL)
        let shop = try apiKey("shop", "submit,read", limits: ["--debit-account", "w0001", "--ceiling", "USD:500.00"])
        let lines = [
            #"{"command_id":"l-out","type":"withdrawal","account":"w0002","amount":100,"currency":"USD","gateway":"g","destination":"iban"}"#,
            #"{"command_id":"l-fund","type":"milestone.fund","project_id":"p","milestone_id":"m","from_account":"w0001","amount":60000}"#,
            #"{"command_id":"l-repay","type":"debt.repayment","debt_id":"d","wallet":"w0001","amount":60000,"currency":"USD"}"#,
            #"{"command_id":"l-lend","type":"debt.open","debt_id":"d9","borrower_id":"u0001","account":"w0001","lender":"acme","currency":"USD","principal":100,"annual_rate_bps":900,"monthly_payment":50,"due_day":15,"business":false,"disburse":true}"#,
            #"{"command_id":"l-small","type":"withdrawal","account":"w0001","amount":100,"currency":"USD","gateway":"g","destination":"iban"}"#,
        ]
        let answer = try HTTPCall.send(
            URL(string: "/v1/commands", relativeTo: api)!, method: "POST",
            headers: ["Authorization": "Bearer \(shop)", "Content-Type": "application/x-ndjson"],
            body: Data(lines.joined(separator: "\n").utf8))
        XCTAssertEqual(answer.status, 200, answer.text)
        let results = try XCTUnwrap(answer.json?["results"] as? [[String: Any]], answer.text)
        func code(_ line: [String: Any]) -> String? { (line["error"] as? [String: Any])?["code"] as? String }
        XCTAssertEqual(results.map { $0["status"] as? Int }, [403, 202, 202, 403, 202], answer.text)
        XCTAssertEqual(results.map(code), ["account_not_permitted", nil, nil, "account_not_permitted", nil])
        XCTAssertEqual(
            results.map { $0["command_status"] as? String }, [nil, "pending_approval", "pending_approval", nil, nil],
            "the funding and the repayment wait: above $500.00")
        XCTAssertTrue(String(describing: results[3]).contains("lender.acme.USD"), "a disbursement debits the lender's account")
        XCTAssertEqual(try status("l-fund", key: shop), "pending_approval")
        XCTAssertEqual(try status("l-small", key: shop), "accepted")
        XCTAssertEqual(try count("SELECT count(*)::int FROM command_approvals"), 2)
    }
}
