import APIKeys
import Domain
import Foundation
import PipelineHarness
import Submission
import Topology

/// `POST /v1/commands` under load from wrk (a connection per request
/// stream, each request a new payment), against the CLI producer's rate
/// measured by the same run just before; then every command answered 202
/// must be applied exactly once. With `restartBroker`, RabbitMQ's app is
/// stopped for a while mid-run: the API must keep answering (503 with
/// Retry-After), never hang.
public struct APILoadBenchmark {
    public struct Options: Sendable {
        public var seconds = 60
        public var connections = 50
        public var cliCommands = 20_000
        /// `flexfin-api --threads`.
        public var apiThreads = 16
        public var restartBroker = false
        /// When the broker's app stops (seconds into the run) and for how long.
        public var outageAt = 20, outageSeconds = 10
        public var pipeline: PipelineOptions
        /// `deploy/local/services`, which can stop and start the broker.
        public var services: URL

        public init(pipeline: PipelineOptions, services: URL) {
            self.pipeline = pipeline
            self.services = services
        }
    }

    public struct Result: Codable, Sendable {
        public let requestsPerSecond: Double
        public let acceptedPerSecond: Double
        public let p50Ms: Double
        public let p99Ms: Double
        public let cliCommandsPerSecond: Double
        /// Answers by HTTP status, and wrk's socket errors (a timeout would be a hang).
        public let statuses: [String: Int]
        public let socketErrors: String
        public let accepted: Int
        public let appliedOnce: Bool
        public let detail: String

        enum CodingKeys: String, CodingKey {
            case requestsPerSecond = "requests_per_second"
            case acceptedPerSecond = "accepted_per_second"
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case cliCommandsPerSecond = "cli_commands_per_second"
            case statuses
            case socketErrors = "socket_errors"
            case accepted
            case appliedOnce = "applied_once"
            case detail
        }
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
        let cliRate = try measureCLIProducer(progress)
        progress("starting payments-worker and flexfin-api")
        let worker = try workbench.start("payments-worker", lanes: options.pipeline.lanes, batchSize: options.pipeline.batchSize)
        let api = try workbench.startAPI(arguments: ["--threads", String(options.apiThreads)])
        defer {
            _ = try? worker.stop()
            api.process.terminate()
        }
        let key = try APIKeyStore.create(
            name: "bench", scopes: [.submit], ratePerSecond: 1_000_000,
            in: workbench.settings.connectDatabase()
        ).token
        let output = try APILoadBenchmark.scratchFolder()
        defer { try? FileManager.default.removeItem(at: output) }
        let script = output.appendingPathComponent("post.lua")
        try Self.script(output: output).write(to: script, atomically: true, encoding: .utf8)
        let outage = options.restartBroker ? try scheduleOutage(progress) : nil
        progress(
            "wrk: \(options.connections) connections for \(options.seconds) s against POST /v1/commands"
                + (options.restartBroker ? ", the broker stopped at \(options.outageAt) s for \(options.outageSeconds) s" : ""))
        let wrk = try Self.wrk([
            "-t2", "-c\(options.connections)", "-d\(options.seconds)s", "--latency", "--timeout", "10s",
            "-H", "Authorization: Bearer \(key)", "-s", script.path,
            api.apiURL!.appendingPathComponent("v1/commands").absoluteString,
        ])
        outage?.wait()
        let ids = try Self.acceptedIds(in: output)
        progress("\(ids.count) commands answered 202; waiting until each is applied")
        let check = try checkAppliedOnce(ids)
        let statuses = Self.statuses(wrk)
        return Result(
            requestsPerSecond: Self.number(after: "Requests/sec:", in: wrk) ?? 0,
            acceptedPerSecond: Double(ids.count) / Double(options.seconds),
            p50Ms: Self.latencyMs("50%", wrk) ?? 0, p99Ms: Self.latencyMs("99%", wrk) ?? 0, cliCommandsPerSecond: cliRate,
            statuses: statuses, socketErrors: wrk.split(separator: "\n").first { $0.contains("Socket errors") }.map(String.init) ?? "none",
            accepted: ids.count, appliedOnce: check.ok, detail: check.detail)
    }

    /// The CLI's producer (`flexfin submit`'s) publishing payments with confirms.
    private func measureCLIProducer(_ progress: (String) -> Void) throws -> Double {
        progress("CLI producer: \(options.cliCommands) payments published with confirms")
        var random = SeededRandom(seed: 11)
        let commands = (0..<options.cliCommands).map { index in
            let payer = Int(random.next() % UInt64(W1Workload.wallets)) + 1
            return SubmittedCommand(
                PaymentCommand(
                    commandId: "cli-\(index)", payer: String(format: "w%04d", payer),
                    payee: String(format: "w%04d", payer % W1Workload.wallets + 1),
                    amount: Money(minorUnits: 1, currency: Currency("USD")!)))
        }
        let started = ContinuousClock.now
        try CommandProducer(settings: workbench.settings, topology: workbench.topology).publish(commands)
        return Double(commands.count) / ((ContinuousClock.now - started) / .milliseconds(1) / 1000)
    }

    /// Stops the broker's app at `outageAt` and starts it `outageSeconds`
    /// later, beside the load; the group is done once it is started again.
    private func scheduleOutage(_ progress: (String) -> Void) throws -> DispatchGroup {
        let (services, at, length) = (options.services, options.outageAt, options.outageSeconds)
        let done = DispatchGroup()
        done.enter()
        Thread {
            Thread.sleep(forTimeInterval: Double(at))
            _ = try? Self.runServices(services, ["rabbitmqctl", "stop_app"])
            Thread.sleep(forTimeInterval: Double(length))
            _ = try? Self.runServices(services, ["rabbitmqctl", "start_app"])
            done.leave()
        }.start()
        return done
    }

    private func checkAppliedOnce(_ ids: [String]) throws -> (ok: Bool, detail: String) {
        var applied = 0
        do {
            try workbench.wait(upTo: .seconds(300), for: "every accepted command decided") { db in
                applied = try db.execute(
                    prepared: "SELECT count(*) FROM inbox WHERE consumer = 'payments' AND message_id = ANY($1::text[])",
                    [ids]
                ).decode(0, 0, as: Int.self)
                return applied == ids.count
            }
        } catch {
            return (false, "\(applied) of \(ids.count) accepted commands decided: \(error)")
        }
        let db = try workbench.settings.connectDatabase()
        let twice = try db.execute(
            prepared: """
                SELECT count(*) - count(DISTINCT command_id) FROM transfers WHERE command_id = ANY($1::text[])
                """, [ids]
        ).decode(0, 0, as: Int.self)
        return (twice == 0 && !ids.isEmpty, "\(applied) of \(ids.count) accepted commands decided, \(twice) applied more than once")
    }

    // MARK: - wrk

    /// Each request a new payment with an id of its own; each 202's id
    /// goes to a file per thread; statuses are counted per thread.
    private static func script(output: URL) -> String {
        """
        local threads = {}
        local counter = 0
        function setup(thread)
          thread:set("id", #threads + 1)
          table.insert(threads, thread)
        end
        function init(args)
          statuses = {}
          accepted = io.open("\(output.path)/accepted-" .. id .. ".txt", "w")
        end
        function request()
          counter = counter + 1
          local payer = counter % 1000 + 1
          local body = string.format('{"command_id":"wrk-%d-%d","type":"payment","payer":"w%04d","payee":"w%04d","amount":1,"currency":"USD"}',
                                      id, counter, payer, payer % 1000 + 1)
          -- wrk.format uses the table given instead of wrk.headers (-H): keep both.
          local headers = {["Content-Type"] = "application/json"}
          for name, value in pairs(wrk.headers) do headers[name] = value end
          return wrk.format("POST", nil, headers, body)
        end
        function response(status, headers, body)
          statuses[status] = (statuses[status] or 0) + 1
          if status == 202 then accepted:write(string.match(body, '"command_id":"([^"]+)"'), "\\n"); accepted:flush() end
        end
        function done(summary, latency, requests)
          local total = {}
          for _, thread in ipairs(threads) do
            for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
          end
          for status, count in pairs(total) do io.write(string.format("status %d %d\\n", status, count)) end
        end
        """
    }

    /// A folder of its own for a run's wrk scripts and what they write.
    static func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-wrk-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func wrk(_ arguments: [String]) throws -> String {
        let (status, text) = try ExternalTool.run(["wrk"] + arguments)
        guard status == 0 else { throw WorkbenchError("wrk failed: \(text)") }
        return text
    }

    private static func runServices(_ script: URL, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = script
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }

    private static func acceptedIds(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("accepted-") }
            .flatMap { try String(contentsOf: $0, encoding: .utf8).split(separator: "\n").map(String.init) }
    }

    static func statuses(_ text: String) -> [String: Int] {
        Dictionary(
            text.split(separator: "\n").compactMap { line -> (String, Int)? in
                let parts = line.split(separator: " ")
                guard parts.count == 3, parts[0] == "status", let count = Int(parts[2]) else { return nil }
                return (String(parts[1]), count)
            }
        ) { $0 + $1 }
    }

    static func number(after label: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.contains(label) }.flatMap { line in
            line.split(separator: " ").last.flatMap { Double($0) }
        }
    }

    /// A latency line of `--latency`, e.g. `     50%    3.21ms`, in milliseconds.
    static func latencyMs(_ label: String, _ text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }),
            let value = line.split(separator: " ").last
        else { return nil }
        for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where value.hasSuffix(unit) {
            return Double(value.dropLast(unit.count)).map { $0 * factor }
        }
        return nil
    }
}
