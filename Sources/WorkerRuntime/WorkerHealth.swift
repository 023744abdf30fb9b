import Foundation
import Telemetry

/// What each lane is connected to, for `/readyz` and the gauges: a process
/// is ready when every lane holds its broker and database sessions, is
/// consuming, and reaches Redis.
final class WorkerHealth: @unchecked Sendable {
    struct LaneState { var broker = false, database = false, consuming = false, cache = false }

    private let lock = NSLock()
    private var lanes: [LaneState]
    private let metrics: WorkerMetrics

    init(lanes: Int, metrics: WorkerMetrics) {
        self.lanes = Array(repeating: LaneState(), count: lanes)
        self.metrics = metrics
    }

    func update(lane: Int, _ change: (inout LaneState) -> Void) {
        let all = lock.withLock {
            change(&lanes[lane])
            return lanes
        }
        metrics.lanesConsuming.set(to: Double(all.count { $0.consuming }))
        metrics.cacheAvailable.set(to: all.allSatisfy(\.cache) ? 1 : 0)
    }

    var checks: ReadinessChecks {
        { [self] in
            let all = lock.withLock { lanes }
            return [
                "broker": all.allSatisfy(\.broker), "database": all.allSatisfy(\.database),
                "consuming": all.allSatisfy(\.consuming), "cache": all.allSatisfy(\.cache),
            ]
        }
    }
}
