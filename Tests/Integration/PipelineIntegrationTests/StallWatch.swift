import Foundation
import PostgresClient
import Settings
import Synchronization

/// How long the pipeline stood still: from `init` (just before a fault)
/// until `target` payments are decided, the longest stretch in which the
/// payments inbox did not grow, polled every 100 ms on a connection of its
/// own (reopened, like the workers', while the database is away).
final class StallWatch: @unchecked Sendable {
    private let longest = Mutex<Duration>(.zero)
    private let stop = Atomic(false)
    private let done = DispatchGroup()

    init(settings: ServiceSettings, target: Int) {
        done.enter()
        Thread.detachNewThread { [self] in
            defer { done.leave() }
            var database: PostgresConnection?
            var (seen, since) = (-1, ContinuousClock.now)
            while !stop.load(ordering: .relaxed) {
                if database == nil { database = try? settings.connectDatabase() }
                let decided = try? database?.query("SELECT count(*) FROM inbox WHERE consumer = 'payments'").int(0, 0)
                if decided == nil { database = nil }
                let now = ContinuousClock.now
                if let decided, decided != seen { (seen, since) = (decided, now) }
                longest.withLock { $0 = max($0, now - since) }
                if seen >= target { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// The longest stall, once the target is reached (or now).
    func finish() -> Duration {
        stop.store(true, ordering: .relaxed)
        done.wait()
        return longest.withLock { $0 }
    }
}
