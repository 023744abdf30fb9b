/// A cache entry kept as a hash with a `version` field: a write replaces it
/// only with a newer version, so a slow writer never puts a stale value back.
/// Every cached value with a version in PostgreSQL (balances, risk scores,
/// unread counters) is written this way.
public enum VersionedHash {
    static let writeIfNewer = RedisScript(
        """
        local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
        if tonumber(ARGV[1]) > current then
          redis.call('HSET', KEYS[1], 'version', unpack(ARGV))
          return 1
        end
        return 0
        """)

    public static func write(_ key: String, version: Int64, _ fields: KeyValuePairs<String, String>) -> RedisCommand {
        .script(writeIfNewer, keys: [key], arguments: [String(version)] + fields.flatMap { [$0.key, $0.value] })
    }
}
