import RedisClient

/// Cached wallet balances. A write carries the balance's version and only
/// replaces an older one, so a slow writer never puts a stale balance back.
public enum WalletCache {
    public static func key(_ walletId: String) -> String { "flexfin:wallet:\(walletId)" }

    static let writeIfNewer = RedisScript("""
        local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
        if tonumber(ARGV[2]) > current then
          redis.call('HSET', KEYS[1], 'balance', ARGV[1], 'version', ARGV[2])
          return 1
        end
        return 0
        """)

    public static func write(_ walletId: String, balance: Int64, version: Int64) -> RedisCommand {
        .script(writeIfNewer, keys: [key(walletId)], arguments: [String(balance), String(version)])
    }
}
