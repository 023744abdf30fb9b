import Domain
import Foundation
import Milestones
import PostgresClient
import Repayments
import SeededWorld
import Submission
import TestSupport
import XCTest

/// What a user and an auditor read over HTTP besides accounts: a risk
/// score, a tax quarter, notifications (paged, and read up to one), the
/// audit log (paged, by subject, as CSV) and its chain check. Every route
/// needs the `read` scope.
final class UserReadTests: PipelineTestCase {
    private var api: URL!
    private var reader = ""

    private func get(_ path: String, key: String? = nil, headers: [String: String] = [:]) throws -> HTTPCall {
        try HTTPCall.send(
            URL(string: path, relativeTo: api)!, method: "GET",
            headers: headers.merging(["Authorization": "Bearer \(key ?? reader)"]) { $1 },
            body: nil)
    }

    private func object(_ call: HTTPCall, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(call.status, 200, call.text, file: file, line: line)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: call.body) as? [String: Any], call.text, file: file, line: line)
    }

    func testRiskTaxNotificationsAndTheAuditLogReadOverHTTP() throws {
        try workbench.reset(wallets: 3, balance: 100_000)
        _ = try ["payments-worker", "risk-worker"].map { try start($0) } + startEventWorkers()
        api = try XCTUnwrap(startAPI().apiURL)
        reader = try apiKey("app", "read")
        let submitter = try apiKey("shop", "submit")
        let payments = (1...5).map { payment("p\($0)", "w0001", "w0002", Int64($0) * 100) }
        try submit(payments + [SubmittedCommand(RiskRecalculation(commandId: "r1", userId: "u0001", reason: "test"))])
        // 5 payments: 5 events, 10 notifications (payer and payee); the score's events on top.
        try workbench.wait(upTo: .seconds(60), for: "the follow-ups written") { db in
            try db.query("SELECT count(*) FROM notifications WHERE user_id = 'u0002'").int(0, 0) == 5
                && db.query("SELECT count(*) FROM audit_log WHERE event_type = 'payment.completed'").int(0, 0) == 5
                && db.query("SELECT count(*) FROM risk_scores WHERE user_id = 'u0001'").int(0, 0)! >= 1
                && db.query("SELECT count(*) FROM tax_entries WHERE user_id = 'u0002'").int(0, 0) == 5
        }

        // Every route refuses a key without the read scope.
        for path in ["/v1/users/u0001/risk", "/v1/users/u0002/tax", "/v1/users/u0002/notifications", "/v1/audit", "/v1/audit/verify"] {
            XCTAssertEqual(try get(path, key: submitter).status, 403, path)
        }

        let risk = try object(get("/v1/users/u0001/risk?history=0"))
        let latest = try XCTUnwrap(risk["latest"] as? [String: Any])
        XCTAssertNotNil(latest["band"] as? String)
        XCTAssertEqual((latest["factors"] as? [Any])?.count, 5, "the breakdown, factor by factor")
        XCTAssertEqual((risk["history"] as? [Any])?.count, 0)
        XCTAssertEqual(try get("/v1/users/nobody/risk").status, 404)

        let quarter = TaxRules.quarter(ofISO8601: Date().formatted(Date.ISO8601FormatStyle()))!
        let tax = try object(get("/v1/users/u0002/tax?quarter=\(quarter)"))
        let totals = try XCTUnwrap(tax["totals"] as? [[String: Any]])
        XCTAssertEqual(totals.first { $0["category"] as? String == "income" }?["total"] as? Int, 1_500, "100 + 200 + … + 500 received")
        XCTAssertEqual(try get("/v1/users/u0002/tax?quarter=2026Q5").status, 400)

        // Notifications: newest first, paged, then read up to the newest seen.
        let first = try object(get("/v1/users/u0002/notifications?limit=2"))
        let newest = try XCTUnwrap(first["notifications"] as? [[String: Any]])
        XCTAssertEqual(newest.count, 2)
        XCTAssertEqual(first["unread"] as? Int, 5)
        let rest = try object(get("/v1/users/u0002/notifications?limit=10&after=\(try XCTUnwrap(first["next"] as? Int))"))
        let older = try XCTUnwrap(rest["notifications"] as? [[String: Any]])
        XCTAssertEqual(older.count, 3)
        XCTAssertTrue(rest["next"] is NSNull)
        let ids = (newest + older).compactMap { $0["id"] as? Int }
        XCTAssertEqual(ids, ids.sorted(by: >), "newest first, none twice")
        XCTAssertEqual(Set(ids).count, 5)
        let upTo = try XCTUnwrap(older.first?["id"] as? Int)  // the third newest: it and the two older ones
        let read = try HTTPCall.send(
            URL(string: "/v1/users/u0002/notifications/read", relativeTo: api)!, method: "POST",
            headers: ["Authorization": "Bearer \(reader)", "Content-Type": "application/json"], body: Data(#"{"up_to":\#(upTo)}"#.utf8))
        let marked = try object(read)
        XCTAssertEqual(marked["marked_read"] as? Int, 3)
        XCTAssertEqual(marked["unread"] as? Int, 2)
        let unread = try XCTUnwrap(try object(get("/v1/users/u0002/notifications?unread=true"))["notifications"] as? [[String: Any]])
        XCTAssertEqual(unread.compactMap { $0["id"] as? Int }, Array(ids.prefix(2)))
        let bad = try HTTPCall.send(
            URL(string: "/v1/users/u0002/notifications/read", relativeTo: api)!, method: "POST",
            headers: ["Authorization": "Bearer \(reader)", "Content-Type": "application/json"], body: Data(#"{"up_to":"all"}"#.utf8))
        XCTAssertEqual(bad.status, 400, bad.text)

        // The audit log: oldest first by seq, by subject, as CSV.
        let audited = try count("SELECT count(*) FROM audit_log")
        let page = try object(get("/v1/audit?limit=2"))
        XCTAssertEqual((page["records"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int }, [1, 2])
        var seqs: [Int] = [1, 2]
        var next = page["next"] as? Int
        while let cursor = next {
            let more = try object(get("/v1/audit?limit=2&after=\(cursor)"))
            seqs += (more["records"] as? [[String: Any]] ?? []).compactMap { $0["seq"] as? Int }
            next = more["next"] as? Int
        }
        XCTAssertEqual(seqs, Array(1...audited))
        // A query is decoded (a path parameter is taken as sent): U+0000 cannot be an id.
        XCTAssertEqual(try get("/v1/audit?subject=a%00b").status, 400)
        let aboutU0003 = try object(get("/v1/audit?subject=u0003"))
        XCTAssertEqual((aboutU0003["records"] as? [Any])?.count, 0, "u0003 took part in nothing")
        let aboutW0002 = try XCTUnwrap(try object(get("/v1/audit?subject=w0002"))["records"] as? [[String: Any]])
        XCTAssertEqual(aboutW0002.count, 5, "the five payments into w0002")
        let csv = try get("/v1/audit?limit=3", headers: ["Accept": "text/csv"])
        XCTAssertEqual(csv.status, 200)
        XCTAssertTrue(csv.headers["content-type"]?.hasPrefix("text/csv") ?? false, "\(csv.headers)")
        let lines = csv.text.split(separator: "\r\n")
        XCTAssertEqual(lines.first, "seq,event_id,event_type,recorded_at,hash,event")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[1].hasPrefix("1,"), String(lines[1]))
        XCTAssertTrue(lines[1].contains(#"{""command_id"":"#), "the event's JSON, quotes doubled: \(lines[1])")
        XCTAssertTrue(csv.headers["link"]?.contains("after=3") ?? false, "\(csv.headers)")

        // The chain check, then a row rewritten by someone who got past the trigger.
        let verified = try object(get("/v1/audit/verify"))
        XCTAssertEqual(verified["intact"] as? Bool, true)
        XCTAssertEqual(verified["rows_verified"] as? Int, audited)
        let owner = try settings.connectDatabase()  // this test's own database
        try owner.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        try owner.query(
            """
            UPDATE audit_log SET body = replace(body, '"amount":300', '"amount":3')
            WHERE seq = (SELECT min(seq) FROM audit_log WHERE body LIKE '%"amount":300%')
            """)
        try owner.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        let broken = try object(get("/v1/audit/verify"))
        XCTAssertEqual(broken["intact"] as? Bool, false)
        let tampered = try count("SELECT seq::int FROM audit_log WHERE body LIKE '%\"amount\":3,%'")
        XCTAssertEqual((broken["first_broken"] as? [String: Any])?["seq"] as? Int, tampered)
    }

    /// Seeds with `more`, starts the API; a read key is `reader`, a submit-only key is returned.
    private func readingAfterSeeding(_ more: @escaping (PostgresConnection) throws -> Void) throws -> String {
        try workbench.reset(wallets: 4, balance: 100_000, more: more)
        api = try XCTUnwrap(startAPI().apiURL)
        reader = try apiKey("app", "read")
        return try apiKey("shop", "submit")
    }

    /// The API's answer for `path`, which must be byte for byte the CLI's `--json`.
    private func sameAsTheCLI(_ path: String, _ arguments: [String]) throws -> [String: Any] {
        let answer = try get(path)
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.text, try runFlexfin(arguments + ["--json"]).output.trimmingCharacters(in: .newlines), "one reader")
        return try object(answer)
    }

    func testADebtItsScheduleAndAUsersDebtsReadAsTheCLIReadsThem() throws {
        let submitter = try readingAfterSeeding { _ = try DebtSeeding.seed(debts: 2, wallets: 4, currency: "USD", in: $0) }
        let fields = try sameAsTheCLI("/v1/debts/d0001", ["debt", "show", "d0001"])
        let borrower = try XCTUnwrap(fields["borrower"] as? String)
        XCTAssertGreaterThan(fields["outstanding_principal"] as? Int ?? 0, 0)
        let schedule = try object(get("/v1/debts/d0001/schedule"))
        let lines = try XCTUnwrap(schedule["lines"] as? [[String: Any]])
        XCTAssertEqual(lines.last?["remaining"] as? Int, 0, "the last line pays it off")
        XCTAssertEqual(
            lines.compactMap { $0["principal"] as? Int }.reduce(0, +), fields["outstanding_principal"] as? Int, "principal parts add up")
        let owned = try XCTUnwrap(try object(get("/v1/users/\(borrower)/debts"))["debts"] as? [[String: Any]])
        XCTAssertEqual(owned.compactMap { $0["debt_id"] as? String }, ["d0001"])
        XCTAssertEqual(try get("/v1/debts/d0009").status, 404)
        for path in ["/v1/debts/d0001", "/v1/debts/d0001/schedule", "/v1/users/\(borrower)/debts"] {
            XCTAssertEqual(try get(path, key: submitter).status, 403, path)
        }
    }

    func testAProjectAndAUsersProjectsReadAsTheCLIReadsThem() throws {
        let submitter = try readingAfterSeeding { _ = try ProjectSeeding.seed(projects: 2, wallets: 4, currency: "USD", in: $0) }
        let fields = try sameAsTheCLI("/v1/projects/p0001", ["project", "show", "p0001"])
        let milestones = try XCTUnwrap(fields["milestones"] as? [[String: Any]])
        XCTAssertEqual(milestones.count, 4)
        for milestone in milestones {
            let funded = (milestone["fundings"] as? [[String: Any]] ?? []).compactMap { $0["amount"] as? Int }.reduce(0, +)
            XCTAssertEqual(funded, milestone["escrow"] as? Int, "the escrow is what its fundings paid in: \(milestone)")
        }
        let client = try XCTUnwrap(fields["client"] as? String)
        let freelancer = try XCTUnwrap(fields["freelancer"] as? String)
        for user in [client, freelancer] {
            let theirs = try XCTUnwrap(try object(get("/v1/users/\(user)/projects"))["projects"] as? [[String: Any]])
            XCTAssertTrue(theirs.contains { $0["project_id"] as? String == "p0001" }, user)
        }
        XCTAssertEqual(try get("/v1/projects/p0009").status, 404)
        XCTAssertEqual(try get("/v1/projects/p0001", key: submitter).status, 403)
        XCTAssertEqual(try get("/v1/users/\(client)/projects", key: submitter).status, 403)
    }
}
