import Domain
import Foundation
import Notifications
import TestSupport
import XCTest

/// Alerts with the real workers and services: a low balance alerts once per
/// crossing; unread counters in PostgreSQL and Redis; reading marks them.
final class AlertTests: PipelineTestCase {
    /// Submits one payment and waits until the notifications worker has taken its event.
    private func pay(_ id: String, _ from: String, _ to: String, _ amount: Int64) throws {
        try submit([payment(id, from, to, amount)])
        try workbench.wait(upTo: .seconds(30), for: "the notice of \(id)") { db in
            try db.query(
                """
                SELECT count(*) FROM notifications n JOIN audit_log a ON a.event_id = n.event_id WHERE a.body::jsonb->>'command_id' = $1
                """, [id]
            ).int(0, 0)! > 0
        }
    }

    func testALowBalanceAlertsOncePerCrossingAndNeverWhileItStaysBelow() throws {
        try workbench.reset(wallets: 2, balance: 100_000)
        let database = try settings.connectDatabase()
        try database.query("UPDATE notification_rules SET enabled = false WHERE kind = 'low_balance'")
        try database.query("INSERT INTO notification_rules (kind, threshold_minor_units, currency) VALUES ('low_balance', 20000, 'USD')")
        _ = try [start("payments-worker"), start("audit-worker"), start("notifications-worker")]

        try pay("down", "w0001", "w0002", 85_000)  // 15,000: crosses
        try pay("lower", "w0001", "w0002", 1_000)  // 14,000: stays below
        try pay("back", "w0002", "w0001", 50_000)  // 64,000: recovers
        try pay("again", "w0001", "w0002", 50_000)  // 14,000: crosses again
        try pay("still", "w0001", "w0002", 1_000)  // 13,000: stays below

        let alerts = try database.query(
            """
            SELECT string_agg(a.body::jsonb->>'command_id', ',' ORDER BY n.created_at, a.seq)
            FROM notifications n JOIN audit_log a ON a.event_id = n.event_id WHERE n.kind = 'low_balance'
            """)
        XCTAssertEqual(alerts.string(0, 0), "down,again", "one alert per crossing, for the wallet that fell")
        XCTAssertEqual(
            try count("SELECT count(*) FROM notifications WHERE kind = 'low_balance' AND user_id = 'u0001' AND subject = 'w0001'"), 2)
    }

    /// The 30-day average comes from each wallet's daily net movement: a
    /// wallet that held 100,000 for a month and spends 85,000 today is below
    /// 20 % of it. (Were today's funding counted as the month's only movement,
    /// its average would be 500 and nothing would fire.)
    func testALowBalanceAgainstTheThirtyDayAverageReadsTheDailyNets() throws {
        try workbench.reset(wallets: 2, balance: 100_000)
        let database = try settings.connectDatabase()
        // The funding happened 40 days ago, as far as the daily nets are concerned.
        try database.query("UPDATE wallet_daily_net SET day = day - 40")
        _ = try [start("payments-worker"), start("audit-worker"), start("notifications-worker")]

        try pay("month-end", "w0001", "w0002", 85_000)  // 15,000 against an average of (29 × 100,000 + 15,000) / 30
        let alert = try database.query("SELECT message FROM notifications WHERE kind = 'low_balance' AND subject = 'w0001'")
        XCTAssertEqual(alert.count, 1)
        XCTAssertTrue(
            alert.string(0, 0)?.contains("below $194.33 (20 % of its 30-day average, $971.66)") ?? false, alert.string(0, 0) ?? "-")
        XCTAssertEqual(
            try count("SELECT net::int FROM wallet_daily_net WHERE wallet = 'w0001' AND day = (now() AT TIME ZONE 'UTC')::date"), -85_000)
    }

    func testUnreadCountersFollowNotificationsAndReadingMarksThemRead() throws {
        try workbench.reset(wallets: 2, balance: 500_000)
        _ = try [start("payments-worker"), start("audit-worker"), start("notifications-worker")]
        try pay("p1", "w0001", "w0002", 100)
        try pay("p2", "w0001", "w0002", 150_000)  // large: the payee gets an alert too
        try workbench.wait(upTo: .seconds(10), for: "the counters") { db in
            try db.query("SELECT sum(unread)::int FROM notification_counters").int(0, 0) == 5
        }
        let cache = try settings.connectCache()
        XCTAssertEqual(
            try cache.command(["HGET", UnreadCounter.key("u0002"), "unread"]).string, "3", "two notices and one large-payment alert")
        XCTAssertEqual(try count("SELECT count(*) FROM notifications WHERE kind = 'large_incoming_payment' AND user_id = 'u0002'"), 1)

        let listed = try runFlexfin(["notifications", "u0002", "--unread", "--mark-read", "--json"])
        XCTAssertEqual(listed.status, 0, listed.errors)
        guard case .object(let fields) = try JSONValue.parse(Array(listed.output.utf8)), case .array(let items)? = fields["notifications"]
        else {
            return XCTFail(listed.output)
        }
        XCTAssertEqual(items.count, 3)
        XCTAssertEqual(fields["marked_read"], .integer(3))
        XCTAssertEqual(fields["unread"], .integer(0))
        XCTAssertEqual(try cache.command(["HGET", UnreadCounter.key("u0002"), "unread"]).string, "0")
        XCTAssertEqual(try runFlexfin(["notifications", "u0002", "--unread", "--json"]).output.contains("\"notifications\":[]"), true)

        // Lost from Redis: a worker's (re)connection rewrites every counter from PostgreSQL.
        _ = try cache.command(["DEL", UnreadCounter.key("u0001"), UnreadCounter.key("u0002")])
        _ = try start("notifications-worker")
        try workbench.wait(upTo: .seconds(10), for: "the counters rebuilt") { _ in
            try cache.command(["HGET", UnreadCounter.key("u0001"), "unread"]).string == "2"
        }
        XCTAssertEqual(try cache.command(["HGET", UnreadCounter.key("u0002"), "unread"]).string, "0")
    }
}
