import Domain
import Foundation
import PostgresClient
import Risk

/// What holds of risk scores after a mixed run: every request taken and
/// answered once, at most one score per user per batch, every score's
/// events audited and band changes notified, and each user's latest score
/// equal to a recomputation from the ledger at its `as_of`.
public enum RiskInvariants {
    /// Risk events the scores imply: one `risk.recalculated` per score, one
    /// `risk.changed` per band change.
    public static func events(in db: PostgresConnection) throws -> (recalculated: Int, changed: Int) {
        let rows = try db.query(
            """
            SELECT count(*), count(*) FILTER (WHERE previous IS NOT NULL AND previous <> band)
            FROM (SELECT band, lag(band) OVER (PARTITION BY user_id ORDER BY version) AS previous FROM risk_scores) s
            """)
        return (try rows.decode(0, 0), try rows.decode(0, 1))
    }

    public static func check(_ expected: MixedWorkload.Expected, in db: PostgresConnection) throws -> [Invariants.Check] {
        var checks: [Invariants.Check] = []
        func check(_ name: String, _ got: Int, _ want: Int) {
            checks.append(Invariants.Check(name: name, ok: got == want, detail: "\(got), expected \(want)"))
        }
        func count(_ sql: String) throws -> Int { try db.query(sql).int(0, 0) ?? -1 }
        // What the races added: each request names one user.
        let raced = try expected.followUps.racesWon(in: db)
        check(
            "risk: every request (command or triggering event) taken once", try count("SELECT count(*) FROM inbox WHERE consumer = 'risk'"),
            expected.riskRequests + raced)
        check(
            "risk: every user a request names answered once", try count("SELECT coalesce(sum(requests), 0)::int FROM risk_scores"),
            expected.riskSubjects + raced)
        check(
            "risk: at most one score per user per batch",
            try count(
                """
                SELECT count(*) FROM (SELECT 1 FROM risk_scores GROUP BY user_id, batch_id HAVING count(*) > 1) twice
                """), 0)
        let implied = try events(in: db)
        check(
            "risk: one risk.recalculated audited per score",
            try count("SELECT count(*) FROM audit_log WHERE event_type = 'risk.recalculated'"), implied.recalculated)
        check(
            "risk: one risk.changed audited per band change",
            try count("SELECT count(*) FROM audit_log WHERE event_type = 'risk.changed'"), implied.changed)
        check(
            "risk: one notification per band change",
            try count("SELECT count(*) FROM notifications WHERE kind = 'event' AND event_type = 'risk.changed'"), implied.changed)
        let (mismatches, first, users) = try recomputed(db)
        checks.append(
            Invariants.Check(
                name: "risk: every user's latest score equals a recomputation from the ledger", ok: mismatches == 0,
                detail: first ?? "\(users) users recomputed"))
        return checks
    }

    /// Recomputes every latest score at its own `as_of` (scores of one
    /// batch share it) and compares score, band and breakdown.
    private static func recomputed(_ db: PostgresConnection) throws -> (mismatches: Int, first: String?, users: Int) {
        let rows = try db.query(
            """
            SELECT s.user_id, s.as_of::text, s.score, s.band, s.factors::text
            FROM risk_scores s JOIN risk_latest l ON l.user_id = s.user_id AND l.version = s.version
            """)
        var byMoment: [String: [(user: String, score: Int64, band: String, factors: String)]] = [:]
        for row in 0..<rows.count {
            byMoment[try rows.decode(row, 1), default: []].append(
                (
                    try rows.decode(row, 0), try rows.decode(row, 2), try rows.decode(row, 3),
                    try rows.decode(row, 4)
                ))
        }
        let model = try RiskStore.model(in: db)
        var mismatches = 0
        var first: String?
        for (moment, latest) in byMoment {
            let scores = try RiskStore.score(latest.map(\.user), asOf: try RiskStore.moment(moment, in: db), model: model, in: db)
            for stored in latest {
                guard let again = scores[stored.user] else { continue }
                let factors = (try? JSONValue.parse(Array(stored.factors.utf8))) ?? .null
                if again.score != stored.score || again.band.rawValue != stored.band || JSONValue.array(again.parts.map(\.json)) != factors
                {
                    mismatches += 1
                    first =
                        first
                        ?? "\(stored.user) at \(moment): stored \(stored.score) \(stored.band), recomputed \(again.score) \(again.band.rawValue)"
                }
            }
        }
        return (mismatches, first, rows.count)
    }
}
