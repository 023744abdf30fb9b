import Domain
import Foundation
import PostgresClient
import RedisClient

/// Cached accounts: each one's balance, status and owner, as the account
/// read (`GET /v1/accounts/{id}`) answers them. A write carries the
/// account's version and only replaces an older one, so a slow writer never
/// puts a stale balance back; `at` says when it was written.
public enum WalletCache {
    public static func key(_ walletId: String) -> String { "flexfin:wallet:\(walletId)" }

    public static func write(_ account: AccountBalance, at time: String) -> RedisCommand {
        VersionedHash.write(
            key(account.id), version: account.version,
            [
                "balance": String(account.balance), "status": account.status, "currency": account.currency,
                "user_id": account.userId ?? "", "purpose": account.purpose ?? "", "at": time,
            ])
    }

    /// The cache writes of the accounts a batch changed.
    public static func writes(_ accounts: [AccountBalance]) -> [RedisCommand] {
        let now = timestamp(Date())
        return accounts.map { write($0, at: now) }
    }

    /// The current state of `accounts` (all accounts when nil), for a
    /// redelivery a crashed attempt may have applied without caching, or a
    /// lane that has just (re)connected to Redis. Version-guarded: never a
    /// step back.
    public static func current(_ accounts: Set<String>?, in database: PostgresConnection) throws -> [RedisCommand] {
        let columns = "id, balance, version, user_id, currency, purpose, status"
        let rows =
            try accounts.map {
                try database.execute(prepared: "SELECT \(columns) FROM accounts WHERE id = ANY($1::text[])", [$0.sorted()])
            } ?? database.query("SELECT \(columns) FROM accounts")
        return try writes((0..<rows.count).map { try AccountBalance(rows, $0) })
    }

    static func timestamp(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
}
