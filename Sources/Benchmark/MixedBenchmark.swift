import Domain
import Foundation
import PipelineHarness
import Settings
import Topology
import WorkerRuntime

/// The mixed benchmark: the broker-only rate of the same traffic first, then
/// the whole pipeline (payments, milestones, repayments and accounts workers
/// and the event workers) on a seeded mix, drain mode, then the invariants.
public struct MixedBenchmark {
    public struct PerType: Codable, Sendable {
        public let commands: Int
        public let rejected: Int
        /// This type's commands over the time until its last was decided.
        public let commandsPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case commands, rejected
            case commandsPerSecond = "commands_per_second"
        }
    }

    /// How the risk worker coalesced: requests (commands and triggering
    /// events) against the recalculations they cost.
    public struct RiskFigures: Codable, Sendable {
        public let requests: Int
        public let recalculations: Int
        public let batches: Int
        public let maxScoresPerUserPerBatch: Int
        public let bandChanges: Int

        enum CodingKeys: String, CodingKey {
            case requests, recalculations, batches
            case maxScoresPerUserPerBatch = "max_scores_per_user_per_batch"
            case bandChanges = "band_changes"
        }

        static func measure(_ expected: MixedWorkload.Expected, settings: ServiceSettings) throws -> RiskFigures {
            let db = try settings.connectDatabase()
            let rows = try db.query(
                """
                SELECT count(*)::int, count(DISTINCT batch_id)::int,
                       coalesce((SELECT max(c) FROM (SELECT count(*)::int AS c FROM risk_scores GROUP BY user_id, batch_id) g), 0)
                FROM risk_scores
                """)
            return RiskFigures(
                requests: expected.riskRequests, recalculations: try rows.decode(0, 0), batches: try rows.decode(0, 1),
                maxScoresPerUserPerBatch: try rows.decode(0, 2), bandChanges: try RiskInvariants.events(in: db).changed)
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
        public let perType: [String: PerType]
        public let risk: RiskFigures
        public let invariantsOk: Bool
        public let invariants: [Invariants.Check]
        public let workers: [WorkerMetrics.Summary]

        enum CodingKeys: String, CodingKey {
            case uniqueCommands = "unique_commands"
            case seconds
            case commandsPerSecond = "commands_per_second"
            case brokerOnlyPerSecond = "broker_only_per_second"
            case ratio, cpu
            case brokerOnlyCPU = "broker_only_cpu"
            case perType = "per_type"
            case risk
            case invariantsOk = "invariants_ok"
            case invariants, workers
        }
    }

    let n: Int
    let seed: UInt64
    let options: PipelineOptions
    let settings: ServiceSettings
    let topology: TopologySpec

    public init(n: Int, seed: UInt64, options: PipelineOptions, settings: ServiceSettings, topology: TopologySpec) {
        (self.n, self.seed, self.options, self.settings, self.topology) = (n, seed, options, settings, topology)
    }

    public func run(progress: (String) -> Void) throws -> Result {
        let workload = MixedWorkload(n: n, seed: seed)
        let environment = try DisposableEnvironment("bench", redisDatabase: 15, from: settings)
        let settings = environment.settings
        let workbench = Workbench(environment: environment, topology: topology, workers: options.workers)
        progress(
            "recreating database \(environment.databaseName), vhost \(environment.vhost) and Redis database \(settings.redis.database); seeding \(MixedWorkload.wallets) wallets, \(workload.projects) projects, \(workload.debts) debts"
        )
        try workbench.reset(wallets: MixedWorkload.wallets, balance: workload.funding, more: workload.seed)
        progress("broker-only run: \(workload.commands.count) commands, the same traffic without database or cache")
        let (brokerOnly, brokerOnlyCPU) = try BrokerOnlyRun(settings: settings, options: options, eventBodySize: 420).measured(
            workload.commands)
        progress("pipeline run: \(workload.commands.count) commands preloaded, workers starting")
        let started = Date()
        let outcome = try PipelineRun(workbench: workbench, options: options)
            .run(
                workload.commands,
                commandWorkers: ["payments-worker", "milestones-worker", "repayments-worker", "accounts-worker", "risk-worker"],
                until: workload.expected.followUps)
        progress("checking invariants")
        let checks = try MixedInvariants.check(workload.expected, settings: settings, topology: topology)
        let unique = workload.expected.unique.values.reduce(0, +)
        let rate = Double(unique) / outcome.seconds
        return Result(
            uniqueCommands: unique, seconds: outcome.seconds, commandsPerSecond: rate, brokerOnlyPerSecond: brokerOnly,
            ratio: rate / brokerOnly, cpu: CPUUsage(outcome.cpuSeconds, commands: unique, walBytes: outcome.walBytes),
            brokerOnlyCPU: brokerOnlyCPU,
            perType: try perType(workload.expected, since: started, settings: settings),
            risk: try RiskFigures.measure(workload.expected, settings: settings),
            invariantsOk: checks.allSatisfy(\.ok), invariants: checks, workers: outcome.workerStats)
    }

    private func perType(_ expected: MixedWorkload.Expected, since started: Date, settings: ServiceSettings) throws -> [String: PerType] {
        let rows = try settings.connectDatabase().query(
            """
            SELECT consumer, count(*), extract(epoch FROM max(received_at))::float8 FROM inbox WHERE consumer = ANY($1) GROUP BY consumer
            """, [["payments", "milestones", "repayments", "accounts", "risk"]])
        var last: [String: Double] = [:]
        for row in 0..<rows.count { last[try rows.decode(row, 0)] = Double(try rows.decode(row, 2, as: String.self)) }
        var result: [String: PerType] = [:]
        for (type, count) in expected.unique {
            guard let consumer = CommandType(rawValue: type)?.consumer.rawValue, let end = last[consumer] else { continue }
            result[type] = PerType(
                commands: count, rejected: expected.rejected[type] ?? 0,
                commandsPerSecond: Double(count) / max(0.001, end - started.timeIntervalSince1970))
        }
        return result
    }
}
