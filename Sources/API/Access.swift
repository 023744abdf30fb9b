import APIKeys
import Foundation
import Logging
import RedisClient

/// Who calls, and whether they may: a live key with the scope, within its
/// rate. Runs on the service pool (it reads PostgreSQL and Redis).
enum Access {
    /// Keys verified within the last 2 s: a revocation takes effect within that.
    static let verified = VerifiedKeys(lifetime: 2)

    static func authorize(_ header: String?, _ scope: Scope, _ connections: ServicePool.Connections, log: Logger) throws -> APIKey {
        guard let header, header.hasPrefix("Bearer "),
            let key = try verified.verify(
                header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces), in: { try connections.database() })
        else {
            throw APIError.unauthenticated
        }
        guard key.scopes.contains(scope) else { throw APIError.forbidden(scope.rawValue, name: key.name) }
        try takeFromRate(of: key, connections, log: log)
        return key
    }

    /// A fixed one-second window per key in Redis (INCR, EXPIRE). Redis
    /// away lets requests through: the limit protects the services, it
    /// decides nothing about money, and refusing every request because a
    /// cache is down would be the bigger outage.
    private static func takeFromRate(of key: APIKey, _ connections: ServicePool.Connections, log: Logger) throws {
        let window = "flexfin:ratelimit:\(key.id):\(Int(Date().timeIntervalSince1970))"
        let count: Int64
        do {
            let replies = try connections.cache().pipeline([["INCR", window], ["EXPIRE", window, "2"]])
            count = replies.first?.integer ?? 0
        } catch {
            connections.dropCache()
            log.warning("rate limit not enforced: Redis unavailable", metadata: ["error": "\(error)"])
            return
        }
        guard count <= Int64(key.ratePerSecond) else {
            throw APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "key \"\(key.name)\" is limited to \(key.ratePerSecond) requests per second", retryAfter: 1)
        }
    }
}
