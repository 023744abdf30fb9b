import AMQPClient
import Foundation
import Ledger
import PostgresClient
import RedisClient
import Settings
import Submission
import Topology
import WorkerRuntime

/// Drain mode: the command queue is loaded first, then the real worker
/// executables start as separate processes, and the clock stops when the
/// last follow-up row (audit, notification, tax) is written.
struct PipelineRun {
    let settings: ServiceSettings
    let topology: TopologySpec
    let workers: URL
    let lanes: Int
    let eventLanes: Int
    let batchSize: Int

    /// Wipes the database, the queues of the topology and the cache, then
    /// seeds the W1 wallets. Refuses while any worker is consuming.
    func reset() throws {
        let broker = try settings.connectBroker()
        let channel = try broker.openChannel()
        let plan = BrokerPlan(topology)
        for queue in plan.queues where try channel.inspectQueue(queue.name).consumerCount > 0 {
            throw BenchmarkError("\(queue.name) has consumers: stop the running workers before benchmarking")
        }
        for queue in plan.queues { try channel.purgeQueue(queue.name) }
        let database = try settings.connectDatabase()
        try database.transaction { db in
            // The audit log refuses TRUNCATE to everyone but its owner, who
            // must say so explicitly.
            try db.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            try db.query("""
                TRUNCATE users, accounts, transfers, ledger_entries, inbox, outbox, audit_log,
                         notifications, tax_entries, tax_quarters RESTART IDENTITY CASCADE
                """)
            try db.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        }
        let cache = try settings.connectCache()
        var cursor = "0"
        repeat {
            let reply = try cache.command(["SCAN", cursor, "MATCH", "flexfin:*", "COUNT", 1000]).array ?? []
            cursor = reply.first?.string ?? "0"
            let keys = reply.last?.array?.compactMap(\.string) ?? []
            if !keys.isEmpty { try cache.command(["DEL"] + keys) }
        } while cursor != "0"
        _ = try Seeding.seed(wallets: W1Workload.wallets, balance: W1Workload.funding, currency: "USD", in: database)
        // Plans made on empty tables scan whole tables on every foreign-key
        // check; statistics from real rows avoid that.
        try database.query("ANALYZE")
    }

    struct Outcome {
        let seconds: Double
        let workerStats: [WorkerStats.Summary]
    }

    func run(_ workload: W1Workload) throws -> Outcome {
        try CommandProducer(settings: settings, topology: topology).publish(workload.commands)
        let database = try settings.connectDatabase()
        let expected = workload.expected
        let started = ContinuousClock.now
        let processes = try [
            start("payments-worker", lanes: lanes),
            start("audit-worker", lanes: 1),  // single active consumer: more lanes would idle
            start("notifications-worker", lanes: eventLanes),
            start("tax-worker", lanes: eventLanes),
        ]
        defer { processes.forEach { if $0.process.isRunning { kill($0.process.processIdentifier, SIGKILL) } } }
        let deadline = ContinuousClock.now + .seconds(600)
        while true {
            let rows = try database.query("SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM notifications), (SELECT count(*) FROM tax_entries)")
            let (audit, notifications, tax) = (rows.int(0, 0)!, rows.int(0, 1)!, rows.int(0, 2)!)
            if audit >= expected.expectedAuditRows && notifications >= expected.expectedNotificationRows && tax >= expected.expectedTaxRows { break }
            if let dead = processes.first(where: { !$0.process.isRunning }) {
                throw BenchmarkError("\(dead.name) exited early; its log: \(dead.log.path)")
            }
            guard ContinuousClock.now < deadline else {
                throw BenchmarkError("not done after 600 s: \(audit) audit, \(notifications) notification, \(tax) tax rows")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        let stats = try processes.map { try stop($0) }
        return Outcome(seconds: seconds, workerStats: stats)
    }

    private struct Worker {
        let name: String
        let process: Process
        let log: URL
    }

    private func start(_ name: String, lanes: Int) throws -> Worker {
        let process = Process()
        process.executableURL = workers.appendingPathComponent(name)
        process.arguments = ["--lanes", String(lanes), "--batch-size", String(batchSize)]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-bench-\(name)-\(getpid()).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return Worker(name: name, process: process, log: log)
    }

    /// SIGTERM, then the worker's own summary line from its log.
    private func stop(_ worker: Worker) throws -> WorkerStats.Summary {
        worker.process.terminate()
        worker.process.waitUntilExit()
        let log = try String(contentsOf: worker.log, encoding: .utf8)
        guard worker.process.terminationStatus == 0,
              let line = log.split(separator: "\n").last(where: { $0.hasPrefix("flexfin-worker-stats ") }) else {
            throw BenchmarkError("\(worker.name) did not stop cleanly (status \(worker.process.terminationStatus)); log: \(worker.log.path)")
        }
        try? FileManager.default.removeItem(at: worker.log)
        return try JSONDecoder().decode(WorkerStats.Summary.self, from: Data(line.dropFirst("flexfin-worker-stats ".count).utf8))
    }
}
