import Crypto
import Domain
import Foundation
import PostgresClient

/// Keys verified in the last `lifetime`, by the SHA-256 of the token: a
/// request of a key seen within it is not checked against PostgreSQL
/// again. A revocation takes effect within `lifetime` (at most
/// `maxLifetime`). Only live keys are kept: a made-up token is checked every
/// time, and what stops guessing is the limit on failed authentications.
public final class VerifiedKeys: @unchecked Sendable {
    public static let maxLifetime: TimeInterval = 5
    public let lifetime: TimeInterval
    private let lock = NSLock()
    private var entries: [String: (key: APIKey, until: Date)] = [:]

    public init(lifetime: TimeInterval = 2) {
        precondition(lifetime >= 0 && lifetime <= Self.maxLifetime, "a revoked key must stop within \(Self.maxLifetime) s")
        self.lifetime = lifetime
    }

    /// The live key `token` names, from memory or PostgreSQL.
    public func verify(_ token: String, now: Date = Date(), in database: () throws -> PostgresConnection) throws -> APIKey? {
        let id = Hex.encode(SHA256.hash(data: Array(token.utf8)))
        if let hit = lock.withLock({ entries[id] }), hit.until > now { return hit.key }
        guard let key = try APIKeyStore.verify(token, in: database()) else { return nil }
        lock.withLock {
            // Expired entries go when the cache would otherwise grow past its keys.
            if entries.count > 10_000 { entries = entries.filter { $0.value.until > now } }
            entries[id] = (key, now.addingTimeInterval(lifetime))
        }
        return key
    }
}
