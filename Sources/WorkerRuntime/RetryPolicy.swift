import Topology

/// Where a failed message goes next. Invalid input is never retried.
/// Anything else is retried through the delay tiers (shortest first, the
/// longest repeated), until the queue's `maxAttempts`; then it goes to the
/// dead-letter queue with every header that says why.
struct RetryPolicy: Equatable {
    enum Decision: Equatable {
        /// Publish to this tier's exchange; it returns to the queue after the delay.
        case retry(tier: String)
        case deadLetter
    }

    let tiers: [String]
    let maxAttempts: Int

    init(tiers: [String], maxAttempts: Int) {
        self.tiers = tiers
        self.maxAttempts = maxAttempts
    }

    init(topology: TopologySpec, queue: TopologySpec.WorkQueue) {
        self.init(tiers: topology.retry.tiers.sorted { $0.ttlMilliseconds < $1.ttlMilliseconds }.map(\.name),
                  maxAttempts: queue.maxAttempts)
    }

    func decide(_ failure: FailedMessage) -> Decision {
        decide(errorClass: failure.errorClass, attempts: failure.attempts)
    }

    func decide(errorClass: FailedMessage.ErrorClass, attempts: Int) -> Decision {
        guard errorClass != .invalid, attempts < maxAttempts, !tiers.isEmpty else { return .deadLetter }
        return .retry(tier: tiers[min(attempts, tiers.count) - 1])
    }
}
