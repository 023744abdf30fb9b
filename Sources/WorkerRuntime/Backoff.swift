import Foundation

/// The pause before reconnecting to a service that went away: doubling
/// from `first` up to `limit`, so a short blip costs little and a long
/// outage is not hammered; jittered, so the lanes of every worker that lost
/// the same broker do not all come back in the same instant.
public struct Backoff: Sendable {
    private let first: Double
    private let limit: Double
    /// Seconds: the longest the next pause may be.
    public private(set) var delay: Double

    public init(first: Double = 0.1, limit: Double = 5) {
        self.first = first
        self.limit = limit
        self.delay = first
    }

    /// The next pause, drawn from the upper half of `delay` ("equal
    /// jitter"); `delay` then doubles (up to the limit).
    public mutating func nextPause(using random: inout some RandomNumberGenerator) -> Double {
        let pause = Double.random(in: delay / 2...delay, using: &random)
        delay = min(delay * 2, limit)
        return pause
    }

    public mutating func nextPause() -> Double {
        var random = SystemRandomNumberGenerator()
        return nextPause(using: &random)
    }

    /// Sleeps the next pause.
    public mutating func pause() { Thread.sleep(forTimeInterval: nextPause()) }

    public mutating func reset() { delay = first }
}
