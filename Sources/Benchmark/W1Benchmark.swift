import Foundation
import PipelineHarness
import Settings
import Topology
import WorkerRuntime

/// Benchmark W1 of DESIGN.md: the broker-only rate first, then the whole
/// pipeline on the identical stream, then the invariants.
public struct W1Benchmark {
    public struct Options: Sendable {
        public var n = 20_000
        public var seed = 42
        public var file: String?
        /// A second pipeline run with every worker's `/metrics` scraped once
        /// a second, on the same stream: the instruments' cost as a ratio.
        public var compareMetrics = false
        public var pipeline: PipelineOptions
        public var generator: URL

        public init(pipeline: PipelineOptions, generator: URL) {
            self.pipeline = pipeline
            self.generator = generator
        }
    }

    public struct Result: Codable, Sendable {
        public let uniqueCommands: Int
        public let seconds: Double
        public let commandsPerSecond: Double
        public let brokerOnlyPerSecond: Double
        public let ratio: Double
        /// CPU per server and worker, preload to last follow-up.
        public let cpu: CPUUsage
        /// The broker's CPU in the broker-only run.
        public let brokerOnlyCPU: CPUUsage
        /// Effect committed -> audit row written, per event.
        public let p50Ms: Double
        public let p99Ms: Double
        public let invariantsOk: Bool
        public let invariants: [Invariants.Check]
        public let workers: [WorkerMetrics.Summary]
        public let withMetrics: MetricsRun?

        enum CodingKeys: String, CodingKey {
            case uniqueCommands = "unique_commands"
            case seconds
            case commandsPerSecond = "commands_per_second"
            case brokerOnlyPerSecond = "broker_only_per_second"
            case ratio, cpu
            case brokerOnlyCPU = "broker_only_cpu"
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case invariantsOk = "invariants_ok"
            case invariants, workers
            case withMetrics = "with_metrics"
        }
    }

    /// The same stream again, every worker serving `/metrics` and scraped
    /// once a second; its invariants include the scrapes agreeing with the database.
    public struct MetricsRun: Codable, Sendable {
        public let commandsPerSecond: Double
        /// Against the run without an endpoint, just before.
        public let ratioToWithout: Double
        public let invariantsOk: Bool
        public let invariants: [Invariants.Check]

        enum CodingKeys: String, CodingKey {
            case commandsPerSecond = "commands_per_second"
            case ratioToWithout = "ratio_to_without"
            case invariantsOk = "invariants_ok"
            case invariants
        }
    }

    let options: Options
    let settings: ServiceSettings
    let topology: TopologySpec

    public init(options: Options, settings: ServiceSettings, topology: TopologySpec) {
        self.options = options
        self.settings = settings
        self.topology = topology
    }

    public func run(progress: (String) -> Void) throws -> Result {
        let workload = try W1Workload.load(n: options.n, seed: options.seed, file: options.file, generator: options.generator)
        let environment = try DisposableEnvironment("bench", redisDatabase: 15, from: settings)
        let settings = environment.settings
        let workbench = Workbench(environment: environment, topology: topology, workers: options.pipeline.workers)
        let pipeline = PipelineRun(workbench: workbench, options: options.pipeline)
        progress(
            "recreating database \(environment.databaseName), vhost \(environment.vhost) and Redis database \(settings.redis.database) (the configured ones are not touched); seeding \(W1Workload.wallets) wallets"
        )
        try workbench.reset()
        progress("broker-only run: \(workload.commands.count) commands, the same traffic without database or cache")
        let (brokerOnly, brokerOnlyCPU) = try BrokerOnlyRun(settings: settings, options: options.pipeline, eventBodySize: 420)
            .measured(workload.commands)
        progress("pipeline run: \(workload.commands.count) commands preloaded, workers starting")
        let outcome = try pipeline.run(workload.commands, commandWorkers: ["payments-worker"], until: workload.expected.followUps)
        progress("checking invariants")
        let checks = try Invariants.check(workload.expected, settings: settings, topology: topology)
        let latency = try Invariants.effectToAuditLatency(settings: settings)
        let rate = Double(workload.expected.unique) / outcome.seconds
        var withMetrics: MetricsRun?
        if options.compareMetrics {
            progress("pipeline run with /metrics scraped every second: reseeding, the same \(workload.commands.count) commands")
            try workbench.reset()
            var scraped = options.pipeline
            scraped.scrapeMetrics = true
            let second = try PipelineRun(workbench: workbench, options: scraped)
                .run(workload.commands, commandWorkers: ["payments-worker"], until: workload.expected.followUps)
            let checks =
                try Invariants.check(workload.expected, settings: settings, topology: topology)
                + MetricsAgreement.check(second.scrapes, in: settings.connectDatabase(), topology: topology)
            let secondRate = Double(workload.expected.unique) / second.seconds
            withMetrics = MetricsRun(
                commandsPerSecond: secondRate, ratioToWithout: secondRate / rate,
                invariantsOk: checks.allSatisfy(\.ok), invariants: checks)
        }
        return Result(
            uniqueCommands: workload.expected.unique, seconds: outcome.seconds, commandsPerSecond: rate,
            brokerOnlyPerSecond: brokerOnly, ratio: rate / brokerOnly,
            cpu: CPUUsage(outcome.cpuSeconds, commands: workload.expected.unique, walBytes: outcome.walBytes), brokerOnlyCPU: brokerOnlyCPU,
            p50Ms: latency.p50, p99Ms: latency.p99,
            invariantsOk: checks.allSatisfy(\.ok) && withMetrics?.invariantsOk != false, invariants: checks,
            workers: outcome.workerStats, withMetrics: withMetrics)
    }
}
