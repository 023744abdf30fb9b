import APIKeys
import Foundation
import Ledger
import PipelineHarness

/// `GET /v1/accounts/{id}` under wrk's load: the read path the cache is for,
/// measured from the cache and then from PostgreSQL (`?fresh=true`) in one
/// run, the same wallets in the same order. Every answer must be 200 and
/// come from where it was asked.
public struct BalanceReadBenchmark {
    public struct Options: Sendable {
        public var seconds = 20
        public var connections = 50
        public var apiThreads = 16
        /// Each source measured this many times, alternating.
        public var rounds = 2
        public var pipeline: PipelineOptions

        public init(pipeline: PipelineOptions) { self.pipeline = pipeline }
    }

    public struct Round: Codable, Sendable {
        public let source: String
        public let requestsPerSecond: Double
        public let p50Ms: Double
        public let p99Ms: Double
        /// Answers by HTTP status.
        public let statuses: [String: Int]
        /// 200s that came from elsewhere than asked.
        public let wrongSource: Int

        enum CodingKeys: String, CodingKey {
            case source
            case requestsPerSecond = "requests_per_second"
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case statuses
            case wrongSource = "wrong_source"
        }
    }

    public struct Result: Codable, Sendable {
        public let rounds: [Round]
        public let ok: Bool
    }

    let options: Options
    let workbench: Workbench

    public init(options: Options, workbench: Workbench) {
        self.options = options
        self.workbench = workbench
    }

    public func run(progress: (String) -> Void) throws -> Result {
        progress("recreating the benchmark's own database, vhost and Redis database; seeding \(W1Workload.wallets) wallets")
        try workbench.reset()
        let database = try workbench.settings.connectDatabase()
        // Every wallet cached, as the workers leave them after their commits.
        _ = try workbench.settings.connectCache().pipeline(try WalletCache.current(nil, in: database))
        let api = try workbench.startAPI(arguments: ["--threads", String(options.apiThreads)])
        defer { api.process.terminate() }
        let key = try APIKeyStore.create(name: "bench-reads", scopes: [.read], ratePerSecond: 1_000_000, in: database).token
        let output = try APILoadBenchmark.scratchFolder()
        defer { try? FileManager.default.removeItem(at: output) }
        var rounds: [Round] = []
        for _ in 0..<options.rounds {
            for source in ["cache", "database"] {
                progress(
                    "wrk: \(options.connections) connections for \(options.seconds) s against GET /v1/accounts/{id} from the \(source)")
                let script = output.appendingPathComponent("get-\(source).lua")
                try Self.script(fresh: source == "database").write(to: script, atomically: true, encoding: .utf8)
                let wrk = try APILoadBenchmark.wrk([
                    "-t2", "-c\(options.connections)", "-d\(options.seconds)s", "--latency", "--timeout", "10s",
                    "-H", "Authorization: Bearer \(key)", "-s", script.path, api.apiURL!.absoluteString,
                ])
                let sources = APILoadBenchmark.statuses(wrk.replacingOccurrences(of: "source ", with: "status "))
                let statuses = APILoadBenchmark.statuses(wrk).filter { Int($0.key) != nil }
                rounds.append(
                    Round(
                        source: source, requestsPerSecond: APILoadBenchmark.number(after: "Requests/sec:", in: wrk) ?? 0,
                        p50Ms: APILoadBenchmark.latencyMs("50%", wrk) ?? 0, p99Ms: APILoadBenchmark.latencyMs("99%", wrk) ?? 0,
                        statuses: statuses, wrongSource: sources.filter { $0.key != source && Int($0.key) == nil }.values.reduce(0, +)))
            }
        }
        let ok = rounds.allSatisfy { $0.wrongSource == 0 && $0.statuses.keys.allSatisfy { $0 == "200" } && !$0.statuses.isEmpty }
        return Result(rounds: rounds, ok: ok)
    }

    /// Each request a wallet in turn; statuses and the answers' `source` counted per thread.
    private static func script(fresh: Bool) -> String {
        """
        local threads = {}
        local counter = 0
        function setup(thread)
          thread:set("id", #threads + 1)
          table.insert(threads, thread)
        end
        function init(args)
          statuses = {}
          sources = {}
        end
        function request()
          counter = counter + 1
          return wrk.format("GET", string.format("/v1/accounts/w%04d\(fresh ? "?fresh=true" : "")", counter % 1000 + 1))
        end
        function response(status, headers, body)
          statuses[status] = (statuses[status] or 0) + 1
          local source = string.match(body, '"source":"([a-z]+)"') or "none"
          sources[source] = (sources[source] or 0) + 1
        end
        function done(summary, latency, requests)
          local total, from = {}, {}
          for _, thread in ipairs(threads) do
            for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
            for source, count in pairs(thread:get("sources")) do from[source] = (from[source] or 0) + count end
          end
          for status, count in pairs(total) do io.write(string.format("status %d %d\\n", status, count)) end
          for source, count in pairs(from) do io.write(string.format("source %s %d\\n", source, count)) end
        end
        """
    }
}
