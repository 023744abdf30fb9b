import ArgumentParser

/// How a worker process runs; every worker takes the same flags.
public struct WorkerOptions: ParsableArguments, Sendable {
    @Option(help: "Lanes (threads), each with its own connections.")
    public var lanes = 2
    @Option(help: "Most messages in one batch (one transaction).")
    public var batchSize = 500
    @Option(help: "Longest wait in milliseconds to fill a batch.")
    public var batchMilliseconds = Self.defaultBatchMilliseconds
    @Option(help: "Unacknowledged deliveries per lane (basic.qos); at least the batch size.")
    public var prefetch: Int?
    @Option(help: "Publisher confirms in flight at once.")
    public var confirmWindow = 2048
    @Option(help: "Longest wait in milliseconds for a row lock (a wallet held by a stuck session) before the batch is split around it.")
    public var lockTimeoutMilliseconds = 5000
    @Option(
        help:
            "Seconds without a broker fault (a refused publish, a lost session) before a lane publishes again the events confirmed since the fault, and deletes them from the outbox (see docs/design.md). Long enough for a cluster to settle."
    )
    public var brokerFaultQuietSeconds = 20
    @Option(help: "Serve /metrics, /healthz and /readyz on this port (none by default).")
    public var metricsPort: Int?
    @Option(help: "The address --metrics-port listens on (0.0.0.0 in a container).")
    public var metricsHost = "127.0.0.1"

    /// The one default, for the workers and for the benchmark's broker-only
    /// baseline, so the two batch alike.
    public static let defaultBatchMilliseconds = 50

    public init() {}

    public func validate() throws {
        guard lanes > 0, batchSize > 0, batchMilliseconds >= 0, lockTimeoutMilliseconds > 0, brokerFaultQuietSeconds >= 0 else {
            throw ValidationError(
                """
                --lanes, --batch-size and --lock-timeout-milliseconds must be positive, --batch-milliseconds and \
                --broker-fault-quiet-seconds not negative
                """)
        }
        if let prefetch, prefetch < batchSize { throw ValidationError("--prefetch must be at least --batch-size") }
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be 0...65535") }
    }

    /// Two batches' worth: the next batch is already on its way while one is applied.
    var effectivePrefetch: UInt16 { UInt16(clamping: prefetch ?? batchSize * 2) }
}
