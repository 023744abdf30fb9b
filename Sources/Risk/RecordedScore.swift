import Domain
import PostgresClient

/// A score as `risk_scores` keeps it.
public struct RecordedScore: Sendable {
    public let version: Int64
    public let score: Int64
    public let band: String
    public let modelVersion: Int64
    /// The end of its 90-day window.
    public let asOf: String
    public let requests: Int64
    public let commandId: String
    /// Its breakdown, as stored (`RiskScore.Part.json`).
    public let factors: JSONValue

    /// A user's scores, newest first.
    public static func history(of user: String, limit: Int, in database: PostgresConnection) throws -> [RecordedScore] {
        let rows = try database.execute(
            prepared: """
                SELECT version, score, band, model_version, as_of::text AS as_of, requests, command_id, factors::text AS factors
                FROM risk_scores WHERE user_id = $1 ORDER BY version DESC LIMIT $2
                """, [user, limit])
        return try (0..<rows.count).map { row in
            RecordedScore(
                version: try rows.decode(row, "version"), score: try rows.decode(row, "score"), band: try rows.decode(row, "band"),
                modelVersion: try rows.decode(row, "model_version"), asOf: try rows.decode(row, "as_of"),
                requests: try rows.decode(row, "requests"), commandId: try rows.decode(row, "command_id"),
                factors: (try? JSONValue.parse(Array(try rows.decode(row, "factors", as: String.self).utf8))) ?? .null)
        }
    }

    public var json: JSONValue {
        .object([
            "version": .integer(version), "score": .integer(score), "band": .string(band), "model_version": .integer(modelVersion),
            "as_of": .string(asOf), "requests": .integer(requests), "command_id": .string(commandId), "factors": factors,
        ])
    }
}
