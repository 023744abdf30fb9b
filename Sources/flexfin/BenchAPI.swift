import ArgumentParser
import Benchmark
import Foundation
import PipelineHarness
import Settings
import Topology

extension Bench {
    struct API: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "api",
            abstract: "POST /v1/commands under wrk's load, against the CLI producer's rate in the same run; every 202 applied once.",
            discussion: """
                With --balance-reads: GET /v1/accounts/{id} instead, from the cache and from PostgreSQL (?fresh=true), \
                alternating --rounds times in one run; exits 1 when an answer was not 200 or came from elsewhere. \
                Works on the bench environment (database flexfin_bench, vhost flexfin-bench, Redis 15), which it wipes. \
                Needs wrk (deploy/local/test-tools). With --restart-broker, RabbitMQ's app is stopped through \
                deploy/local/services for --outage-seconds mid-run: the API must answer 503 with Retry-After, never hang. \
                Exits 1 when an accepted command was not applied exactly once or a request timed out.
                """)

        @Option(help: "Seconds of load.") var seconds = 60
        @Option(help: "Concurrent connections.") var connections = 50
        @Option(help: "Payments the CLI producer publishes first, for its rate.") var cliCommands = 20_000
        @Option(help: "flexfin-api --threads: requests served at once, each waiting for its own confirm.") var apiThreads = 16
        @Flag(help: "Stop the broker's app mid-run and start it again.") var restartBroker = false
        @Flag(help: "Measure balance reads (GET /v1/accounts/{id}), cache against database, instead of submissions.") var balanceReads =
            false
        @Option(help: "With --balance-reads: rounds of each source, alternating.") var rounds = 2
        @Option(help: "Seconds into the run the broker stops (with --restart-broker).") var outageAt = 20
        @Option(help: "Seconds the broker stays stopped.") var outageSeconds = 10
        @OptionGroup var pipeline: PipelineFlags
        @Flag(help: "Print one JSON object.") var json = false
        @OptionGroup var topologyFile: TopologyFileOption

        func run() throws {
            let repository = try topologyFile.repository()
            var options = APILoadBenchmark.Options(
                pipeline: pipeline.options,
                services: repository.appendingPathComponent("deploy/local/services"))
            (options.seconds, options.connections, options.cliCommands, options.apiThreads) = (
                seconds, connections, cliCommands, apiThreads
            )
            (options.restartBroker, options.outageAt, options.outageSeconds) = (restartBroker, outageAt, outageSeconds)
            let environment = try DisposableEnvironment("bench", redisDatabase: 15, from: ServiceSettings.fromEnvironment())
            let workbench = Workbench(environment: environment, topology: try topologyFile.spec(), workers: options.pipeline.workers)
            if balanceReads { return try reads(workbench) }
            let r = try APILoadBenchmark(options: options, workbench: workbench).run { printError("bench: \($0)") }
            try Bench.printResult(r, json: json) {
                """
                API: \(Bench.f(r.requestsPerSecond)) requests/s over \(connections) connections (\(Bench.f(r.acceptedPerSecond)) accepted/s), \
                latency p50 \(Bench.f(r.p50Ms, 1)) ms p99 \(Bench.f(r.p99Ms, 1)) ms
                CLI producer: \(Bench.f(r.cliCommandsPerSecond)) commands/s (ratio API accepted / CLI \(Bench.f(r.acceptedPerSecond / r.cliCommandsPerSecond, 2)))
                answers: \(r.statuses.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ")); \(r.socketErrors)
                \(r.appliedOnce ? "ok  " : "FAIL") \(r.detail)
                """
            }
            if !r.appliedOnce || r.socketErrors.contains("timeout") && !r.socketErrors.contains("timeout 0") { throw ExitCode.failure }
        }

        private func reads(_ workbench: Workbench) throws {
            var options = BalanceReadBenchmark.Options(pipeline: pipeline.options)
            (options.seconds, options.connections, options.apiThreads, options.rounds) = (seconds, connections, apiThreads, rounds)
            let r = try BalanceReadBenchmark(options: options, workbench: workbench).run { printError("bench: \($0)") }
            try Bench.printResult(r, json: json) {
                r.rounds.map {
                    "balance reads from the \($0.source): \(Bench.f($0.requestsPerSecond)) requests/s, p50 \(Bench.f($0.p50Ms, 2)) ms p99 \(Bench.f($0.p99Ms, 2)) ms; answers \($0.statuses.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ")), from elsewhere \($0.wrongSource)"
                }.joined(separator: "\n") + (r.ok ? "\nok" : "\nFAIL: an answer was not 200 or came from elsewhere")
            }
            if !r.ok { throw ExitCode.failure }
        }
    }
}
