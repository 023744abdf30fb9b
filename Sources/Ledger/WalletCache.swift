import PostgresClient
import RedisClient

/// Cached wallet balances. A write carries the balance's version and only
/// replaces an older one, so a slow writer never puts a stale balance back.
public enum WalletCache {
    public static func key(_ walletId: String) -> String { "flexfin:wallet:\(walletId)" }

    public static func write(_ walletId: String, balance: Int64, version: Int64) -> RedisCommand {
        VersionedHash.write(key(walletId), version: version, ["balance": String(balance)])
    }

    /// The cache writes of the balances a batch changed.
    public static func writes(_ balances: [AccountBalance]) -> [RedisCommand] {
        balances.map { write($0.id, balance: $0.balance, version: $0.version) }
    }

    /// The current balances of `accounts` (all accounts when nil), for a
    /// redelivery a crashed attempt may have applied without caching, or a
    /// lane that has just (re)connected to Redis. Version-guarded: never a
    /// step back.
    public static func current(_ accounts: Set<String>?, in database: PostgresConnection) throws -> [RedisCommand] {
        let rows =
            try accounts.map {
                try database.execute(prepared: "SELECT id, balance, version FROM accounts WHERE id = ANY($1::text[])", [$0.sorted()])
            } ?? database.query("SELECT id, balance, version FROM accounts")
        return try (0..<rows.count).map {
            write(try rows.decode($0, "id"), balance: try rows.decode($0, "balance"), version: try rows.decode($0, "version"))
        }
    }
}
