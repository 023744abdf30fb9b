import Logging
import RedisClient

/// A lane's link to Redis, which is only a cache: while Redis is away the
/// lane skips cache writes (PostgreSQL stays the truth) and tries to
/// reconnect at most once a second. Every (re)connection first writes the
/// handler's snapshot from PostgreSQL, so what was skipped is corrected and
/// entries from a Redis restarted with old data lose to newer versions.
final class CacheLink {
    private let connect: () throws -> RedisConnection
    private let snapshot: () throws -> [RedisCommand]
    private let log: Logger
    private var connection: RedisConnection?
    private var lastAttempt: ContinuousClock.Instant?
    private var unavailable = false
    /// Told whether the link is up after each change, and whether it just
    /// came back after being lost.
    private let onChange: (_ available: Bool, _ returned: Bool) -> Void

    init(
        connect: @escaping () throws -> RedisConnection, snapshot: @escaping () throws -> [RedisCommand], log: Logger,
        onChange: @escaping (_ available: Bool, _ returned: Bool) -> Void
    ) {
        self.connect = connect
        self.snapshot = snapshot
        self.log = log
        self.onChange = onChange
    }

    /// Best effort. With no commands it only reconnects, when due (the lane
    /// calls it when idle, so the cache is corrected without new traffic).
    func write(_ commands: [RedisCommand]) {
        if connection == nil {
            guard lastAttempt.map({ .now - $0 > .seconds(1) }) ?? true else { return }
            lastAttempt = .now
            do {
                let fresh = try connect()
                let entries = try snapshot()
                for start in stride(from: 0, to: entries.count, by: 1000) {
                    _ = try fresh.pipeline(Array(entries[start..<min(start + 1000, entries.count)]))
                }
                connection = fresh
                if unavailable { log.notice("cache is back; rewrote \(entries.count) entries from PostgreSQL") }
                onChange(true, unavailable)
                unavailable = false
            } catch {
                return markUnavailable(error)
            }
        }
        guard !commands.isEmpty, let connection else { return }
        do { _ = try connection.pipeline(commands) } catch { markUnavailable(error) }
    }

    private func markUnavailable(_ error: any Error) {
        connection = nil
        if !unavailable {
            log.warning("cache unavailable; skipping its writes until it returns", metadata: ["error": "\(error)"])
            onChange(false, false)
        }
        unavailable = true
    }
}
