import ArgumentParser
import Benchmark
import Foundation
import Settings
import Topology
import WorkerRuntime

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks.", subcommands: [W1.self])

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
        @Option(help: "Lanes of the payments worker.") var lanes = 2
        @Option(help: "Lanes of the notifications and tax workers.") var eventLanes = 1
        @Option(help: "Batch size of every worker.") var batchSize = 500
        @Option(help: "Longest wait in milliseconds to fill a batch, for the workers and the broker-only baseline alike.")
        var batchMilliseconds = WorkerOptions.defaultBatchMilliseconds
        @Flag(help: "Print one JSON object.") var json = false
        @OptionGroup var topologyFile: TopologyFileOption

        func run() throws {
            let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            let topologyURL = try topologyFile.path.map { URL(fileURLWithPath: $0) } ?? TopologySpec.locate()
            let repository = topologyURL.deletingLastPathComponent().deletingLastPathComponent()
            var options = W1Benchmark.Options(workers: here, generator: W1Workload.locateGenerator(repository: repository))
            options.n = n
            options.seed = seed
            options.file = file
            options.lanes = lanes
            options.eventLanes = eventLanes
            options.batchSize = batchSize
            options.batchMilliseconds = batchMilliseconds
            let benchmark = W1Benchmark(options: options, settings: try ServiceSettings.fromEnvironment(), topology: try topologyFile.spec())
            let result = try benchmark.run { printError("bench: \($0)") }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(Self.report(result))
            }
            if !result.invariantsOk { throw ExitCode.failure }
        }

        static func report(_ r: W1Benchmark.Result) -> String {
            func f(_ x: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", x) }
            var lines = [
                "W1: \(r.uniqueCommands) unique commands in \(f(r.seconds, 2)) s",
                "pipeline     \(f(r.commandsPerSecond)) commands/s end to end",
                "broker only  \(f(r.brokerOnlyPerSecond)) commands/s (same traffic, no database or cache)",
                "ratio        \(f(r.ratio, 2))",
                "effect -> audit latency  p50 \(f(r.p50Ms, 1)) ms  p99 \(f(r.p99Ms, 1)) ms",
            ]
            for w in r.workers {
                lines.append("\(w.worker.padding(toLength: 14, withPad: " ", startingAt: 0)) \(w.batches) batches, size p50 \(w.batchSizeP50) p99 \(w.batchSizeP99), batch p50 \(f(w.batchMillisecondsP50, 1)) ms p99 \(f(w.batchMillisecondsP99, 1)) ms")
                lines.append("               phases p50: " + w.phaseMillisecondsP50.sorted { $0.key < $1.key }.map { "\($0.key) \(f($0.value, 1)) ms" }.joined(separator: ", "))
            }
            lines.append("invariants:")
            for check in r.invariants { lines.append("  \(check.ok ? "ok  " : "FAIL") \(check.name): \(check.detail)") }
            return lines.joined(separator: "\n")
        }
    }
}
