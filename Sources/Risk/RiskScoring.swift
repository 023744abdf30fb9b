import Domain
import Foundation
import PostgresClient
import RedisClient

/// One batch's recalculations: each asked-about user scored once, recorded
/// in `risk_scores` with its breakdown, `risk_latest` moved on, events and
/// cache writes returned.
enum RiskScoring {
    static func recalculate(
        _ asked: [String: (requests: Int, commandId: String)], facts: LedgerFacts,
        in database: PostgresConnection
    ) throws -> (events: [DomainEvent], cache: [RedisCommand]) {
        let users = asked.keys.sorted()
        // Claim, then lock, each user's latest row, in user order: two lanes
        // scoring one user take turns, and the second reads the ledger after
        // the first committed (the clock is read after the locks).
        try database.execute(
            prepared: """
                INSERT INTO risk_latest (user_id, version, score, band)
                SELECT u, 0, 0, 'low' FROM unnest($1::text[]) AS u ORDER BY u ON CONFLICT DO NOTHING
                """, [users])
        let locked = try database.execute(
            prepared: """
                SELECT user_id, version, band FROM risk_latest WHERE user_id = ANY($1::text[]) ORDER BY user_id FOR UPDATE
                """, [users])
        var previous: [String: (version: Int64, band: RiskBand?)] = [:]
        for row in 0..<locked.count {
            let version = try locked.decode(row, "version", as: Int64.self)
            previous[try locked.decode(row, "user_id")] = (version, version == 0 ? nil : RiskBand(rawValue: try locked.decode(row, "band")))
        }
        let model = try RiskStore.model(in: database)
        let asOf = try RiskStore.moment(in: database)
        let scores = try RiskStore.score(users, asOf: asOf, model: model, facts: facts, in: database)

        let batch = RandomUUID.lowercased()
        let now = Date()
        var events: [DomainEvent] = []
        var cache: [RedisCommand] = []
        var versions: [Int64] = []
        var factors: [String] = []
        var requests: [Int] = []
        var commands: [String] = []
        for user in users {
            let score = scores[user]!
            let before = previous[user] ?? (0, nil)
            let version = before.version + 1
            let (count, commandId) = asked[user]!
            versions.append(version)
            factors.append(JSONValue.array(score.parts.map(\.json)).serialized)
            requests.append(count)
            commands.append(commandId)
            events.append(
                DomainEvent(
                    .riskRecalculated(
                        RiskRecalculated(
                            userId: user, score: score.score, band: score.band, previousBand: before.band, modelVersion: model.version,
                            version: version, requests: count)), occurredAt: now, commandId: commandId))
            if let from = before.band, from != score.band {
                events.append(
                    DomainEvent(
                        .riskChanged(RiskChanged(userId: user, fromBand: from, toBand: score.band, score: score.score)),
                        occurredAt: now, commandId: commandId))
            }
            cache.append(RiskCache.write(user, version: version, score: score.score, band: score.band))
        }
        try database.execute(
            prepared: """
                INSERT INTO risk_scores (user_id, version, score, band, model_version, factors, as_of, batch_id, requests, command_id)
                SELECT s.user_id, s.version, s.score, s.band, $5, s.factors::jsonb, $6::timestamptz, $7::uuid, s.requests, s.command_id
                FROM unnest($1::text[], $2::bigint[], $3::smallint[], $4::text[], $8::text[], $9::int[], $10::text[])
                     AS s(user_id, version, score, band, factors, requests, command_id)
                """,
            [
                users, versions, users.map { scores[$0]!.score }, users.map { scores[$0]!.band.rawValue }, model.version, asOf.text, batch,
                factors, requests, commands,
            ])
        try database.execute(
            prepared: """
                UPDATE risk_latest SET version = s.version, score = s.score, band = s.band
                FROM unnest($1::text[], $2::bigint[], $3::smallint[], $4::text[]) AS s(user_id, version, score, band)
                WHERE risk_latest.user_id = s.user_id
                """, [users, versions, users.map { scores[$0]!.score }, users.map { scores[$0]!.band.rawValue }])
        return (events, cache)
    }
}

extension RiskScore.Part {
    /// As `risk_scores.factors` keeps it.
    public var json: JSONValue {
        .object([
            "factor": .string(factor.rawValue), "value": .integer(value), "points": .integer(points), "weight": .integer(weight),
            "contribution_hundredths": .integer(contributionHundredths),
        ])
    }
}
