import Topology

/// Where a failed message goes next. Invalid input is never retried.
/// Anything else is retried through the delay tiers (shortest first, the
/// longest repeated), until the queue's `maxAttempts`; then it goes to the
/// dead-letter queue with every header that says why.
struct RetryPolicy: Equatable {
    struct Tier: Equatable {
        let name: String
        let ttlMilliseconds: Int
    }

    enum Decision: Equatable {
        /// Publish to this tier's exchange with this per-message expiration;
        /// it returns to the queue when it expires.
        case retry(tier: String, delayMilliseconds: Int)
        case deadLetter
    }

    let tiers: [Tier]
    let maxAttempts: Int

    init(tiers: [Tier], maxAttempts: Int) {
        self.tiers = tiers.sorted { $0.ttlMilliseconds < $1.ttlMilliseconds }
        self.maxAttempts = maxAttempts
    }

    init(topology: TopologySpec, queue: TopologySpec.WorkQueue) {
        self.init(
            tiers: topology.retry.tiers.map { Tier(name: $0.name, ttlMilliseconds: $0.ttlMilliseconds) },
            maxAttempts: queue.maxAttempts)
    }

    func decide(_ failure: FailedMessage) -> Decision {
        var random = SystemRandomNumberGenerator()
        return decide(errorClass: failure.errorClass, attempts: failure.attempts, using: &random)
    }

    /// The delay is drawn from the upper half of the tier's TTL ("equal
    /// jitter"): messages that failed together (a database blip fails a
    /// whole batch) come back spread out instead of as one thundering herd.
    /// The tier queue's own TTL stays the upper bound.
    func decide(
        errorClass: FailedMessage.ErrorClass, attempts: Int,
        using random: inout some RandomNumberGenerator
    ) -> Decision {
        guard errorClass != .invalid, attempts < maxAttempts, !tiers.isEmpty else { return .deadLetter }
        let tier = tiers[min(attempts, tiers.count) - 1]
        let delay = Int.random(in: (tier.ttlMilliseconds + 1) / 2...tier.ttlMilliseconds, using: &random)
        return .retry(tier: tier.name, delayMilliseconds: delay)
    }
}
