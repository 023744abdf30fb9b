import AMQPClient
import Foundation
import Ledger
import PostgresClient
import RedisClient
import SeededWorld
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
    public func reset(
        wallets: Int = W1Workload.wallets, balance: Int64 = W1Workload.funding,
        more: (PostgresConnection) throws -> Void = { _ in }
    ) throws {
        try environment.recreate(topology: topology)
        let database = try settings.connectDatabase()
        _ = try WalletSeeding.seed(wallets: wallets, balance: balance, currency: "USD", in: database)
        try more(database)
        // Statistics from real rows: plans made on empty tables scan whole
        // tables on every foreign-key check. Only the tables seeding filled:
        // a table analyzed empty is planned as empty, so a statement prepared
        // early keeps a plan that scans it as it grows (the audit log's
        // duplicate check: 0.5 s a batch at 30,000 rows). Tables left
        // unanalyzed are planned as on a fresh deployment.
        let seeded = try database.query(
            """
            SELECT string_agg(oid::regclass::text, ', ') FROM pg_class
            WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND pg_relation_size(oid) > 0
            """)
        if let tables = seeded.string(0, 0) { try database.query("ANALYZE \(tables)") }
    }

    /// `metrics`: with `/metrics` on a free port, known once the worker says
    /// which (this waits for that).
    public func start(
        _ name: String, lanes: Int = 1, batchSize: Int = 500, arguments: [String] = [],
        environment: [String: String] = [:], metrics: Bool = false
    ) throws -> RunningWorker {
        let worker = try launch(
            name,
            arguments: ["--lanes", String(lanes), "--batch-size", String(batchSize)] + arguments
                + (metrics ? ["--metrics-port", "0"] : []), environment: environment)
        if metrics { worker.metricsURL = try worker.announcedURL("metrics on ") }
        return worker
    }

    /// `flexfin-api` on a free port; its base URL is `apiURL` (and, with
    /// `metrics`, its `/metrics` is `metricsURL`).
    public func startAPI(arguments: [String] = [], environment: [String: String] = [:], metrics: Bool = false) throws -> RunningWorker {
        let api = try launch(
            "flexfin-api", arguments: ["--port", "0"] + arguments + (metrics ? ["--metrics-port", "0"] : []),
            environment: environment)
        if metrics { api.metricsURL = try api.announcedURL("metrics on ") }
        api.apiURL = try api.announcedURL("flexfin-api on ")
        return api
    }

    private func launch(_ name: String, arguments: [String], environment: [String: String]) throws -> RunningWorker {
        let process = Process()
        process.executableURL = workers.appendingPathComponent(name)
        process.arguments = arguments
        // Each logs in as its runtime role, never as the tables' owner or the
        // broker user that configures.
        let role: RuntimeRole = name == "flexfin-api" ? .api : .worker
        process.environment = ProcessInfo.processInfo.environment.merging(try settings.loggingIn(as: role).environment) { $1 }
            .merging(environment) { $1 }
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
    public func waitUntilComplete(
        _ expected: FollowUpCounts, workers: [RunningWorker] = [], upTo timeout: Duration,
        stallLimit: Duration? = nil
    ) throws {
        do { try waitForFollowUps(expected, workers: workers, upTo: timeout, stallLimit: stallLimit) } catch let error as WorkbenchError {
            // Say which rows are missing: that is where to look first.
            let left = try FollowUpProgress(settings.connectDatabase(), expected)
            throw WorkbenchError("\(error.description): \(left.shortfall(expected))")
        }
    }

    private func waitForFollowUps(
        _ expected: FollowUpCounts, workers: [RunningWorker], upTo timeout: Duration,
        stallLimit: Duration?
    ) throws {
        var lastWrite: (writes: Int64, at: ContinuousClock.Instant, looked: ContinuousClock.Instant)?
        var nextCount = ContinuousClock.now
        try wait(upTo: timeout, for: "every follow-up row of the workload") { db in
            if let dead = workers.first(where: { !$0.isRunning }) {
                throw WorkbenchError("\(dead.name) exited early; its log: \(dead.log.path)")
            }
            // Stalled: no row written, updated or deleted anywhere for a
            // minute. The statistics view costs no scan; looked at each second.
            if let stallLimit, lastWrite.map({ ContinuousClock.now - $0.looked >= .seconds(1) }) ?? true {
                let writes = try db.query("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int8 FROM pg_stat_user_tables")
                    .decode(0, 0, as: Int64.self)
                let now = ContinuousClock.now
                lastWrite = (writes, writes == lastWrite?.writes ? lastWrite!.at : now, now)
                if now - lastWrite!.at > stallLimit { throw WorkbenchError("stalled: nothing written for \(stallLimit)") }
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
                guard try db.query("SELECT count(*) FROM inbox WHERE consumer = 'risk'").int(0, 0)! >= expected.riskRequests(in: db) else {
                    return false
                }
                risk = try RiskInvariants.events(in: db)
                guard audited >= expected.audit + risk.recalculated + risk.changed else { return false }
            }
            let rows = try db.query("SELECT (SELECT count(*) FROM notifications WHERE kind = 'event'), (SELECT count(*) FROM tax_entries)")
            return try rows.decode(0, 0, as: Int.self) >= expected.notifications + risk.changed
                && rows.decode(0, 1, as: Int.self) >= expected.tax
        }
    }

    /// Polls `condition` every 50 ms until it holds; throws naming `what`
    /// after the timeout.
    public func wait(
        upTo timeout: Duration, for what: String,
        until condition: (PostgresConnection) throws -> Bool
    ) throws {
        let database = try settings.connectDatabase()
        try Self.poll(upTo: timeout, for: what) { try condition(database) }
    }

    /// The same without a database: for what only a process or the broker
    /// can tell, or while PostgreSQL is away.
    public static func poll(upTo timeout: Duration, for what: String, until condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw WorkbenchError("timed out after \(timeout) waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
