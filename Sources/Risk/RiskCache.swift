import Domain
import PostgresClient
import RedisClient

/// The latest score per user in Redis, version-guarded like balances.
enum RiskCache {
    static func write(_ user: String, version: Int64, score: Int64, band: RiskBand) -> RedisCommand {
        VersionedHash.write(RiskHandler.key(user), version: version, ["score": String(score), "band": band.rawValue])
    }

    /// The latest scores of `users` (everyone's when nil), from PostgreSQL.
    static func current(_ users: Set<String>?, in database: PostgresConnection) throws -> [RedisCommand] {
        let rows = try database.execute(
            prepared: """
                SELECT user_id, version, score, band FROM risk_latest WHERE version > 0 AND ($1::text[] IS NULL OR user_id = ANY($1::text[]))
                """, [users.map { $0.sorted() }])
        return try (0..<rows.count).compactMap { row in
            try RiskBand(rawValue: rows.decode(row, "band")).map {
                write(
                    try rows.decode(row, "user_id"), version: try rows.decode(row, "version"), score: try rows.decode(row, "score"),
                    band: $0)
            }
        }
    }
}
