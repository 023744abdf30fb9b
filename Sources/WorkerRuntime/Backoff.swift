import Foundation

/// The pause before reconnecting to a service that went away: doubling
/// from `first` up to `limit`, so a short blip costs little and a long
/// outage is not hammered.
public struct Backoff: Sendable {
    private let first: Double
    private let limit: Double
    /// Seconds the next `pause()` sleeps.
    public private(set) var delay: Double

    public init(first: Double = 0.1, limit: Double = 5) {
        self.first = first
        self.limit = limit
        self.delay = first
    }

    /// Sleeps `delay`, then doubles it (up to the limit).
    public mutating func pause() {
        Thread.sleep(forTimeInterval: delay)
        delay = min(delay * 2, limit)
    }

    public mutating func reset() { delay = first }
}
