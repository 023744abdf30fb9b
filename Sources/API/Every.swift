import ServiceLifecycle

/// A background loop of the API as a service of its group: one round now,
/// then one per `interval`, until the group shuts down (gracefully: a round
/// under way finishes; the wait between rounds does not).
struct Every: Service {
    let interval: Duration
    /// Given the round's number, from 0.
    let round: @Sendable (Int) async -> Void

    init(_ interval: Duration, _ round: @escaping @Sendable (Int) async -> Void) {
        self.interval = interval
        self.round = round
    }

    func run() async {
        var number = 0
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await round(number)
            number += 1
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }
}
