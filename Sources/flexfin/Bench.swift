import ArgumentParser
import Benchmark
import Foundation
import PipelineHarness
import Settings
import Topology
import WorkerRuntime

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks.", subcommands: [W1.self, Mixed.self, Risk.self, API.self])

    /// How the workers (and the broker-only baseline) run, for every benchmark.
    struct PipelineFlags: ParsableArguments {
        @Option(help: "Processes of each worker (the audit worker's beyond one stand by).") var processes = 1
        @Option(help: "Lanes of each command worker.") var lanes = 2
        @Option(help: "Lanes of the notifications and tax workers.") var eventLanes = 1
        @Option(help: "Lanes of the risk worker (mixed).") var riskLanes = 1
        @Option(help: "Batch size of the risk worker (mixed): the larger, the more requests one recalculation answers.") var riskBatchSize =
            2000
        @Option(help: "Batch size of each command worker.") var batchSize = 500
        @Option(
            help:
                "Batch size of the audit, notifications and tax workers: they write per user per batch, so the larger, the fewer rows per event."
        )
        var eventBatchSize = 2000
        @Option(help: "Longest wait in milliseconds to fill a batch, for the workers and the broker-only baseline alike.")
        var batchMilliseconds = WorkerOptions.defaultBatchMilliseconds

        /// The workers are the executables beside this one.
        var options: PipelineOptions {
            var options = PipelineOptions(
                workers: URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
            (options.lanes, options.eventLanes, options.riskLanes, options.riskBatchSize) = (lanes, eventLanes, riskLanes, riskBatchSize)
            (options.batchSize, options.eventBatchSize) = (batchSize, eventBatchSize)
            (options.batchMilliseconds, options.processes) = (batchMilliseconds, processes)
            return options
        }
    }

    static func printResult(_ result: some Encodable, json: Bool, report: () -> String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(report())
        }
    }

    static func f(_ x: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", x) }

    static func workerLines(_ workers: [WorkerMetrics.Summary]) -> [String] {
        workers.flatMap { w in
            [
                "\(w.worker.padding(toLength: 14, withPad: " ", startingAt: 0)) \(w.batches) batches, size p50 \(w.batchSizeP50) p99 \(w.batchSizeP99), batch p50 \(f(w.batchMillisecondsP50, 1)) ms p99 \(f(w.batchMillisecondsP99, 1)) ms",
                "               phases p50: "
                    + w.phaseMillisecondsP50.sorted { $0.key < $1.key }.map { "\($0.key) \(f($0.value, 1)) ms" }.joined(separator: ", "),
            ]
        }
    }

    /// CPU ms per command by process group, the pipeline's beside the broker-only run's broker.
    static func cpuLines(_ cpu: CPUUsage, brokerOnly: CPUUsage) -> [String] {
        [
            "cpu          \(f(cpu.msPerCommand, 3)) ms per command (\(f(cpu.totalSeconds, 1)) s in all; broker only: rabbitmq \(f(brokerOnly.msPerCommand, 3)) ms)"
        ]
            + cpu.groups.map {
                "  \($0.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(f($0.msPerCommand, 3)) ms  (\(f($0.seconds, 1)) s)"
            }
            + (cpu.walBytesPerCommand.map { ["postgresql wal  \($0) bytes per command"] } ?? [])
    }

    static func invariantLines(_ checks: [Invariants.Check]) -> [String] {
        ["invariants:"] + checks.map { "  \($0.ok ? "ok  " : "FAIL") \($0.name): \($0.detail)" }
    }

    struct W1: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "w1",
            abstract: "Benchmark W1 (payments) end to end, drain mode, with the broker-only rate of the same run.",
            discussion: """
                Works on resources of its own, created (or wiped) by every run on the configured servers: database \
                flexfin_bench, vhost flexfin-bench, Redis database 15; the configured ones are never touched. Seeds 1000 wallets, \
                runs the broker-only traffic, preloads the commands, starts the worker executables (found beside \
                this one), and stops the clock when the last audit, notification and tax row is written. \
                Exits 1 if any invariant fails.
                """)

        @Option(help: "Commands in the stream.") var n = 20_000
        @Option(help: "Generator seed.") var seed = 42
        @Option(help: "Use this JSON-lines stream instead of running the generator (must be the --n/--seed stream).") var file: String?
        @Flag(
            help:
                "Run the pipeline a second time with every worker serving /metrics, scraped once a second: the instruments' cost as a ratio; the scrapes must agree with the database."
        )
        var compareMetrics = false
        @OptionGroup var pipeline: PipelineFlags
        @Flag(help: "Print one JSON object.") var json = false
        @OptionGroup var topologyFile: TopologyFileOption

        func run() throws {
            let repository = try topologyFile.repository()
            var options = W1Benchmark.Options(pipeline: pipeline.options, generator: W1Workload.locateGenerator(repository: repository))
            (options.n, options.seed, options.file, options.compareMetrics) = (n, seed, file, compareMetrics)
            let benchmark = W1Benchmark(
                options: options, settings: try ServiceSettings.fromEnvironment(), topology: try topologyFile.spec())
            let result = try benchmark.run { printError("bench: \($0)") }
            try Bench.printResult(result, json: json) { Self.report(result) }
            if !result.invariantsOk { throw ExitCode.failure }
        }

        static func report(_ r: W1Benchmark.Result) -> String {
            let lines =
                [
                    "W1: \(r.uniqueCommands) unique commands in \(Bench.f(r.seconds, 2)) s",
                    "pipeline     \(Bench.f(r.commandsPerSecond)) commands/s end to end",
                    "broker only  \(Bench.f(r.brokerOnlyPerSecond)) commands/s (same traffic, no database or cache)",
                    "ratio        \(Bench.f(r.ratio, 2))",
                    "effect -> audit latency  p50 \(Bench.f(r.p50Ms, 1)) ms  p99 \(Bench.f(r.p99Ms, 1)) ms",
                ] + Bench.cpuLines(r.cpu, brokerOnly: r.brokerOnlyCPU) + Bench.workerLines(r.workers) + Bench.invariantLines(r.invariants)
            let metrics =
                r.withMetrics.map { m in
                    [
                        "with /metrics scraped every second: \(Bench.f(m.commandsPerSecond)) commands/s, \(Bench.f(m.ratioToWithout, 2)) of the run without"
                    ]
                        + Bench.invariantLines(m.invariants)
                } ?? []
            return (lines + metrics).joined(separator: "\n")
        }
    }

    struct Mixed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The mixed workload end to end (payments, escrow funding, milestone completions, repayments), drain mode, with the broker-only rate of the same traffic.",
            discussion: """
                Works on the same resources of its own as w1 (database flexfin_bench, vhost flexfin-bench, Redis database 15). \
                Seeds 1000 wallets, projects with funded and unfunded milestones, and debts; every command's outcome is fixed by \
                construction (see MixedWorkload), so the end state is checked exactly. Exits 1 if any invariant fails.
                """)

        @Option(help: "Commands in the stream.") var n = 20_000
        @Option(help: "Seed of the mix.") var seed: UInt64 = 42
        @OptionGroup var pipeline: PipelineFlags
        @Flag(help: "Print one JSON object.") var json = false
        @OptionGroup var topologyFile: TopologyFileOption

        func run() throws {
            let benchmark = MixedBenchmark(
                n: n, seed: seed, options: pipeline.options, settings: try ServiceSettings.fromEnvironment(),
                topology: try topologyFile.spec())
            let result = try benchmark.run { printError("bench: \($0)") }
            try Bench.printResult(result, json: json) { Self.report(result) }
            if !result.invariantsOk { throw ExitCode.failure }
        }

        static func report(_ r: MixedBenchmark.Result) -> String {
            let types = r.perType.keys.sorted().map { type in
                let t = r.perType[type]!
                return
                    "  \(type.padding(toLength: 20, withPad: " ", startingAt: 0)) \(t.commands) commands (\(t.rejected) rejected), \(Bench.f(t.commandsPerSecond))/s"
            }
            let head: [String] = [
                "mixed: \(r.uniqueCommands) unique commands in \(Bench.f(r.seconds, 2)) s",
                "pipeline     \(Bench.f(r.commandsPerSecond)) commands/s end to end",
                "broker only  \(Bench.f(r.brokerOnlyPerSecond)) commands/s (same traffic, no database or cache)",
                "ratio        \(Bench.f(r.ratio, 2))",
                "per type (each type's commands until its last was decided):",
            ]
            let risk = r.risk
            let coalescing = """
                risk: \(risk.requests) requests (commands and triggering events) cost \(risk.recalculations) recalculations \
                (\(Bench.f(Double(risk.requests) / Double(max(1, risk.recalculations)), 1)) requests each) in \(risk.batches) batches \
                (\(Bench.f(Double(risk.recalculations) / Double(max(1, risk.batches)), 1)) users each, at most \(risk.maxScoresPerUserPerBatch) \
                score per user per batch); \(risk.bandChanges) band changes
                """
            return
                (head + types + [coalescing] + Bench.cpuLines(r.cpu, brokerOnly: r.brokerOnlyCPU) + Bench.workerLines(r.workers)
                + Bench.invariantLines(r.invariants)).joined(separator: "\n")
        }
    }

    struct Risk: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "risk",
            abstract: "The time of one risk recalculation with a ledger of --rows entries, with the (account, id) index and without.",
            discussion: "Works on the bench environment (database flexfin_bench), which it wipes.")

        @Option(help: "Ledger entries to write first.") var rows = 1_000_000
        @Flag(help: "Print one JSON object.") var json = false
        @OptionGroup var topologyFile: TopologyFileOption

        func run() throws {
            let benchmark = RiskRecalculationBenchmark(
                rows: rows, settings: try ServiceSettings.fromEnvironment(), topology: try topologyFile.spec())
            let r = try benchmark.run { printError("bench: \($0)") }
            try Bench.printResult(r, json: json) {
                """
                risk: \(r.ledgerRows) ledger rows, \(r.entriesPerUserIn90Days) entries per user in the last 90 days
                one recalculation (median of \(r.recalculations)): \(Bench.f(r.medianMilliseconds, 1)) ms with the (account, id) index, \
                \(Bench.f(r.medianMillisecondsWithoutIndex, 1)) ms without it
                """
            }
        }
    }
}
