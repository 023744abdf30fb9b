import Foundation
import PipelineHarness
import PostgresClient
import Submission
import WorkerRuntime

/// Drain mode: the command queue is loaded first, then the real worker
/// executables start as separate processes, and the clock stops when the
/// last follow-up row (audit, notification, tax) is written.
struct PipelineRun {
    let workbench: Workbench
    let options: PipelineOptions

    struct Outcome {
        let seconds: Double
        let workerStats: [WorkerMetrics.Summary]
        /// CPU seconds per server and per worker, from the preload to the last follow-up.
        let cpuSeconds: [(String, Double)]
        /// PostgreSQL's write-ahead log over the same span: every row and
        /// index entry written, counted the same way whatever else runs.
        let walBytes: Int64
        /// Empty unless `options.scrapeMetrics`.
        let scrapes: [MetricsWatch.Series]
    }

    /// `commandWorkers`: the workers of the command types in the stream.
    func run(_ commands: [SubmittedCommand], commandWorkers: [String], until expected: FollowUpCounts) throws -> Outcome {
        let servers = ServerCPU.now()
        let database = try workbench.settings.connectDatabase()
        let wal = try database.query("SELECT pg_current_wal_lsn()::text").string(0, 0) ?? ""
        try CommandProducer(settings: workbench.settings, topology: workbench.topology).publish(commands)
        let started = ContinuousClock.now
        let (batch, eventBatch) = (options.batchSize, options.eventBatchSize)
        let wait = ["--batch-milliseconds", String(options.batchMilliseconds)]
        let metrics = options.scrapeMetrics
        let copies = 0..<options.processes
        let processes = try copies.flatMap { _ in
            try commandWorkers.map {
                $0 == "risk-worker"
                    ? try workbench.start($0, lanes: options.riskLanes, batchSize: options.riskBatchSize, arguments: wait, metrics: metrics)
                    : try workbench.start($0, lanes: options.lanes, batchSize: batch, arguments: wait, metrics: metrics)
            } + [
                // Single active consumer: more lanes (or processes) stand by.
                workbench.start("audit-worker", lanes: 1, batchSize: eventBatch, arguments: wait, metrics: metrics),
                workbench.start(
                    "notifications-worker", lanes: options.eventLanes, batchSize: eventBatch, arguments: wait, metrics: metrics),
                workbench.start("tax-worker", lanes: options.eventLanes, batchSize: eventBatch, arguments: wait, metrics: metrics),
            ]
        }
        let watch = metrics ? MetricsWatch(processes) : nil
        // A run that stops moving fails within a minute (the wait's stall
        // check); a moving one gets as long as its size needs.
        try workbench.waitUntilComplete(
            expected, workers: processes, upTo: .seconds(max(600, commands.count / 200)), stallLimit: .seconds(60))
        let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        let scrapes = watch?.finish() ?? []
        // Read before they stop: an exited process's counters are gone.
        var workers: [(String, Double)] = []
        for process in processes {
            let used = ProcessStat.seconds(ProcessStat(pid: process.process.processIdentifier)?.ownTicks ?? 0)
            if let index = workers.firstIndex(where: { $0.0 == process.name }) {
                workers[index].1 += used
            } else {
                workers.append((process.name, used))
            }
        }
        let cpuSeconds = ServerCPU.now().since(servers) + workers
        let walBytes = try database.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::int8", [wal]).int64(0, 0) ?? 0
        return Outcome(
            seconds: seconds, workerStats: try processes.map { try $0.stop() }, cpuSeconds: cpuSeconds, walBytes: walBytes,
            scrapes: scrapes)
    }
}

/// How the benchmarks run the workers, and the broker-only baseline alike.
public struct PipelineOptions: Sendable {
    /// Processes of each worker, all on the same queues.
    public var processes = 1
    /// Lanes of each command worker (and relays per command type in the baseline).
    public var lanes = 2
    /// Lanes of the notifications and tax workers.
    public var eventLanes = 1
    /// Lanes of the risk worker: a batch of the mixed workload scores most
    /// of its users, so a second lane mostly waits for the first's user locks.
    public var riskLanes = 1
    /// Batch size of the risk worker: the larger, the more requests one
    /// recalculation answers.
    public var riskBatchSize = 2000
    /// Batch size of the command workers.
    public var batchSize = 500
    /// Batch size of the audit, notifications and tax workers. They write
    /// per user per batch (unread counters, tax quarters, the low-balance
    /// reads) and W1's batches of 500 payments touch most of the 1000
    /// users, so the larger the batch, the fewer of those rows per event.
    public var eventBatchSize = 2000
    public var batchMilliseconds = WorkerOptions.defaultBatchMilliseconds
    /// Workers serve `/metrics`, scraped once a second during the run.
    public var scrapeMetrics = false
    /// Where the worker executables are.
    public var workers: URL

    public init(workers: URL) { self.workers = workers }
}
