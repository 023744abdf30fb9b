import Foundation

/// Batch sizes and durations of every lane of a process, summarized at exit
/// as one JSON line on stderr (the benchmark reads it).
public final class WorkerStats: @unchecked Sendable {
    private let lock = NSLock()
    private var sizes: [Int] = []
    private var milliseconds: [Double] = []
    private var phases: [String: [Double]] = [:]
    private(set) var deadLettered = 0

    public init() {}

    func record(size: Int, milliseconds duration: Double) {
        lock.withLock { sizes.append(size); milliseconds.append(duration) }
    }

    /// Time spent in one phase of a batch (decode, transaction, publish, cache).
    func record(phase: String, milliseconds duration: Double) {
        lock.withLock { phases[phase, default: []].append(duration) }
    }

    func recordDeadLetters(_ count: Int) { lock.withLock { deadLettered += count } }

    public struct Summary: Codable, Sendable {
        public let worker: String
        public let batches: Int
        public let messages: Int
        public let deadLettered: Int
        public let batchSizeP50: Int
        public let batchSizeP99: Int
        public let batchMillisecondsP50: Double
        public let batchMillisecondsP99: Double
        /// Median milliseconds per batch in each phase.
        public let phaseMillisecondsP50: [String: Double]
    }

    public func summary(worker: String) -> Summary {
        lock.withLock {
            Summary(worker: worker, batches: sizes.count, messages: sizes.reduce(0, +), deadLettered: deadLettered,
                    batchSizeP50: percentile(sizes, 0.5) ?? 0, batchSizeP99: percentile(sizes, 0.99) ?? 0,
                    batchMillisecondsP50: percentile(milliseconds, 0.5) ?? 0,
                    batchMillisecondsP99: percentile(milliseconds, 0.99) ?? 0,
                    phaseMillisecondsP50: phases.mapValues { percentile($0, 0.5) ?? 0 })
        }
    }
}

/// Nearest-rank percentile; nil for no values.
public func percentile<T: Comparable>(_ values: [T], _ fraction: Double) -> T? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}
