import AMQPClient
import Foundation
import Glibc
import Ledger
import PostgresClient
import RedisClient
import Settings
import Topology
import WorkerRuntime

/// Real worker processes against the real services of a disposable
/// environment, for the benchmark and the pipeline tests: wipe and seed,
/// start, stop or kill workers, wait.
public struct Workbench: Sendable {
    public let environment: DisposableEnvironment
    public let topology: TopologySpec
    /// Where the worker executables are.
    public let workers: URL

    public var settings: ServiceSettings { environment.settings }

    public init(environment: DisposableEnvironment, topology: TopologySpec, workers: URL) {
        self.environment = environment
        self.topology = topology
        self.workers = workers
    }

    /// Wipes the environment (see `DisposableEnvironment.recreate`), then
    /// seeds `wallets` funded wallets, and whatever `more` seeds. Refuses
    /// while any worker is consuming.
    public func reset(wallets: Int = W1Workload.wallets, balance: Int64 = W1Workload.funding,
                      more: (PostgresConnection) throws -> Void = { _ in }) throws {
        try environment.recreate(topology: topology)
        let database = try settings.connectDatabase()
        _ = try Seeding.seed(wallets: wallets, balance: balance, currency: "USD", in: database)
        try more(database)
        // Statistics from real rows: plans made on empty tables scan whole
        // tables on every foreign-key check. Only the tables seeding filled:
        // a table analyzed empty is planned as empty, so a statement prepared
        // early keeps a plan that scans it as it grows (the audit log's
        // duplicate check: 0.5 s a batch at 30,000 rows). Tables left
        // unanalyzed are planned as on a fresh deployment.
        let seeded = try database.query("""
            SELECT string_agg(oid::regclass::text, ', ') FROM pg_class
            WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND pg_relation_size(oid) > 0
            """)
        if let tables = seeded.string(0, 0) { try database.query("ANALYZE \(tables)") }
    }

    /// `metrics`: with `/metrics` on a free port, known once the worker says
    /// which (this waits for that).
    public func start(_ name: String, lanes: Int = 1, batchSize: Int = 500, arguments: [String] = [],
                      environment: [String: String] = [:], metrics: Bool = false) throws -> RunningWorker {
        let worker = try launch(name, arguments: ["--lanes", String(lanes), "--batch-size", String(batchSize)] + arguments
            + (metrics ? ["--metrics-port", "0"] : []), environment: environment)
        if metrics { worker.metricsURL = try worker.announcedURL("metrics on ") }
        return worker
    }

    /// `flexfin-api` on a free port; its base URL is `apiURL` (and, with
    /// `metrics`, its `/metrics` is `metricsURL`).
    public func startAPI(arguments: [String] = [], environment: [String: String] = [:], metrics: Bool = false) throws -> RunningWorker {
        let api = try launch("flexfin-api", arguments: ["--port", "0"] + arguments + (metrics ? ["--metrics-port", "0"] : []),
                             environment: environment)
        if metrics { api.metricsURL = try api.announcedURL("metrics on ") }
        api.apiURL = try api.announcedURL("flexfin-api on ")
        return api
    }

    private func launch(_ name: String, arguments: [String], environment: [String: String]) throws -> RunningWorker {
        let process = Process()
        process.executableURL = workers.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(settings.environment) { $1 }.merging(environment) { $1 }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-\(name)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return RunningWorker(name: name, process: process, log: log)
    }

    /// Waits until every audit, notification and tax row of a workload is
    /// written (and every risk request taken, with its events), failing
    /// early if one of `workers` dies, or, given `stallLimit`, once nothing
    /// has been written for that long (a benchmark that cannot finish says
    /// so then, not at the timeout; a fault test waits through quiet spells,
    /// a message in the 60 s retry tier among them).
    public func waitUntilComplete(_ expected: FollowUpCounts, workers: [RunningWorker] = [], upTo timeout: Duration,
                                  stallLimit: Duration? = nil) throws {
        do { try waitForFollowUps(expected, workers: workers, upTo: timeout, stallLimit: stallLimit) } catch let error as BenchmarkError {
            // Say which rows are missing: that is where to look first.
            let left = try FollowUpProgress(settings.connectDatabase(), expected)
            throw BenchmarkError("\(error.description): \(left.shortfall(expected))")
        }
    }

    private func waitForFollowUps(_ expected: FollowUpCounts, workers: [RunningWorker], upTo timeout: Duration,
                                  stallLimit: Duration?) throws {
        var lastWrite: (writes: Int64, at: ContinuousClock.Instant, looked: ContinuousClock.Instant)?
        var nextCount = ContinuousClock.now
        try wait(upTo: timeout, for: "every follow-up row of the workload") { db in
            if let dead = workers.first(where: { !$0.isRunning }) {
                throw BenchmarkError("\(dead.name) exited early; its log: \(dead.log.path)")
            }
            // Stalled: no row written, updated or deleted anywhere for a
            // minute. The statistics view costs no scan; looked at each second.
            if let stallLimit, lastWrite.map({ ContinuousClock.now - $0.looked >= .seconds(1) }) ?? true {
                let writes = try db.query("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int8 FROM pg_stat_user_tables")
                    .decode(0, 0, as: Int64.self)
                let now = ContinuousClock.now
                lastWrite = (writes, writes == lastWrite?.writes ? lastWrite!.at : now, now)
                if now - lastWrite!.at > stallLimit { throw BenchmarkError("stalled: nothing written for \(stallLimit)") }
            }
            // The poll must not load the database it measures: the audit
            // log's last seq is an index lookup (planned each time: a plan
            // prepared on the empty log scanned all of it, every 50 ms); the
            // counts come only after. Where they take long (tables of a
            // million rows) they run at most a tenth of the time; the end
            // is then known that much later, a small part of such a run.
            let audited = try db.query("SELECT coalesce(max(seq), 0) FROM audit_log").decode(0, 0, as: Int.self)
            guard audited >= expected.audit, ContinuousClock.now >= nextCount else { return false }
            let counting = ContinuousClock.now
            defer {
                let took = ContinuousClock.now - counting
                if took > .milliseconds(20) { nextCount = .now + took * 10 }
            }
            // Risk events: as many as the scores imply, once every request is taken.
            var risk = (recalculated: 0, changed: 0)
            if expected.riskRequests > 0 {
                guard try db.query("SELECT count(*) FROM inbox WHERE consumer = 'risk'").int(0, 0)! >= expected.riskRequests else { return false }
                risk = try RiskInvariants.events(in: db)
                guard audited >= expected.audit + risk.recalculated + risk.changed else { return false }
            }
            let rows = try db.query("SELECT (SELECT count(*) FROM notifications WHERE kind = 'event'), (SELECT count(*) FROM tax_entries)")
            return try rows.decode(0, 0, as: Int.self) >= expected.notifications + risk.changed && rows.decode(0, 1, as: Int.self) >= expected.tax
        }
    }

    /// Waits until every event in the outbox is published and marked (a
    /// killed worker's are republished by the relay of a live one).
    public func waitUntilOutboxDrained(upTo timeout: Duration) throws {
        try wait(upTo: timeout, for: "the outbox to drain") { db in
            try db.query("SELECT count(*) FROM outbox").int(0, 0) == 0
        }
    }

    /// Polls `condition` every 50 ms until it holds; throws with `describe`
    /// after the timeout.
    public func wait(upTo timeout: Duration, for what: String,
                     until condition: (PostgresConnection) throws -> Bool) throws {
        let database = try settings.connectDatabase()
        let deadline = ContinuousClock.now + timeout
        while try !condition(database) {
            guard ContinuousClock.now < deadline else { throw BenchmarkError("timed out after \(timeout) waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}

/// A worker executable running as its own process, its stderr in a file.
public final class RunningWorker: @unchecked Sendable {
    public let name: String
    public let process: Process
    public let log: URL

    init(name: String, process: Process, log: URL) {
        self.name = name
        self.process = process
        self.log = log
    }

    deinit { if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) } }

    public var isRunning: Bool { process.isRunning }

    /// SIGTERM: the worker finishes its batch and exits 0 with its summary.
    public func stop() throws -> WorkerMetrics.Summary {
        process.terminate()
        process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0,
              let line = text.split(separator: "\n").last(where: { $0.hasPrefix("flexfin-worker-stats ") }) else {
            throw BenchmarkError("\(name) did not stop cleanly (status \(process.terminationStatus)); log: \(log.path)")
        }
        return try JSONDecoder().decode(WorkerMetrics.Summary.self, from: Data(line.dropFirst("flexfin-worker-stats ".count).utf8))
    }

    /// SIGKILL: no chance to finish anything.
    public func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGSTOP: frozen where it is, deliveries and transactions in hand,
    /// until `resume()` (a test's way to hold it mid-work while a service goes).
    @discardableResult
    public func pause() -> Bool { Glibc.kill(process.processIdentifier, SIGSTOP) == 0 }

    /// SIGCONT after `pause()`.
    @discardableResult
    public func resume() -> Bool { Glibc.kill(process.processIdentifier, SIGCONT) == 0 }

    public var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Where the worker serves `/metrics`, when started with it.
    public fileprivate(set) var metricsURL: URL?
    /// Where `flexfin-api` serves, when this is it.
    public fileprivate(set) var apiURL: URL?

    /// The URL the process announced in its log as `<prefix>http://…` (it
    /// bound port 0: the kernel chose).
    fileprivate func announcedURL(_ prefix: String) throws -> URL {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, isRunning {
            if let line = logText.split(separator: "\n").first(where: { $0.contains(prefix + "http://") }),
               let start = line.range(of: prefix + "http://"),
               let url = URL(string: String(line[line.index(start.lowerBound, offsetBy: prefix.count)...].prefix { !$0.isWhitespace })) {
                return url
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BenchmarkError("\(name) did not say where it serves (\(prefix)…); its log: \(log.path)")
    }
}
