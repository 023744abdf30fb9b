import AMQPClient
import Domain
import Foundation
import PipelineHarness
import PostgresClient
import Settings
import Submission
import TestSupport
import Topology
import XCTest

/// The real worker executables (built beside the test bundle) against the
/// real services, in a disposable environment of the tests' own (database
/// flexfin_test, vhost flexfin-test, Redis 14; in parallel slot N,
/// flexfin_testN, flexfin-testN, Redis 14 - N): every test starts from a
/// wiped, seeded state, and the configured database is never touched.
class PipelineTestCase: XCTestCase {
    var workbench: Workbench!
    var topology: TopologySpec!
    private var running: [RunningWorker] = []

    var settings: ServiceSettings { workbench.settings }

    /// The servers the test environment is made on; a fault test with
    /// servers of its own (a cluster, a standby) says which.
    func servers() throws -> ServiceSettings { TestServices.settings }

    override func setUpWithError() throws {
        topology = try TopologySpec.load(from: repositoryRoot.appendingPathComponent("queues/topology.json"))
        let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let slot = TestServices.slot
        let environment = try DisposableEnvironment(slot == 0 ? "test" : "test\(slot)", redisDatabase: 14 - slot, from: servers())
        workbench = Workbench(environment: environment, topology: topology, workers: binaries)
        try workbench.reset()
    }

    override func tearDownWithError() throws {
        for worker in running where worker.isRunning { worker.kill() }
        running = []
        try settings.connectDatabase().execute(
            script: """
                DROP TRIGGER IF EXISTS refuse_marked_transfers ON transfers;
                DROP FUNCTION IF EXISTS refuse_marked_transfers();
                """)
        overrides.forEach { try? FileManager.default.removeItem(at: $0) }
        overrides = []
    }

    private var overrides: [URL] = []

    /// A bad deploy: the database refuses every transfer for which the SQL
    /// `condition` holds (by default: memo `boom`), raising `message`.
    /// Removed in tearDown.
    func refuseTransfers(when condition: String = "NEW.memo = 'boom'", raising message: String) throws {
        try settings.connectDatabase().execute(
            script: """
                CREATE FUNCTION refuse_marked_transfers() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF \(condition) THEN RAISE EXCEPTION '\(message) %', NEW.command_id; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER refuse_marked_transfers BEFORE INSERT ON transfers FOR EACH ROW EXECUTE FUNCTION refuse_marked_transfers();
                """)
    }

    func stopRefusingTransfers() throws {
        try settings.connectDatabase().execute(script: "DROP TRIGGER refuse_marked_transfers ON transfers")
    }

    /// The environment for a worker that reads a copy of the topology with
    /// another `maxAttempts` for commands.payment.
    func paymentAttempts(_ maxAttempts: Int) throws -> [String: String] {
        var spec = topology!
        spec.queues = spec.queues.map { queue in
            var queue = queue
            if queue.name == "commands.payment" { queue.maxAttempts = maxAttempts }
            return queue
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-topology-\(UUID().uuidString).json")
        try JSONEncoder().encode(spec).write(to: file)
        overrides.append(file)
        return ["FLEXFIN_TOPOLOGY": file.path]
    }

    func boomPayment(_ id: String) -> SubmittedCommand {
        SubmittedCommand(
            PaymentCommand(
                commandId: id, payer: "w0001", payee: "w0002",
                amount: .init(minorUnits: 5, currency: .init("USD")!), memo: "boom"))
    }

    /// The real `flexfin`, pointed at the tests' environment.
    /// As the operator's role; `migrate`, `topology` and `bench` (which
    /// makes databases and vhosts) as the owner.
    func runFlexfin(_ arguments: [String], environment: [String: String] = [:]) throws -> FlexfinRun {
        let owns = ["migrate", "topology", "bench"].contains(arguments.first ?? "")
        let own = owns ? settings.environment : try settings.loggingIn(as: .operator).environment
        return try TestSupport.runFlexfin(arguments, environment: own.merging(environment) { $1 })
    }

    func start(
        _ name: String, lanes: Int = 1, batchSize: Int = 100, arguments: [String] = [],
        environment: [String: String] = [:], metrics: Bool = false
    ) throws -> RunningWorker {
        let worker = try workbench.start(
            name, lanes: lanes, batchSize: batchSize, arguments: arguments, environment: environment,
            metrics: metrics)
        running.append(worker)
        return worker
    }

    func startAPI(arguments: [String] = [], environment: [String: String] = [:], metrics: Bool = false) throws -> RunningWorker {
        let api = try workbench.startAPI(arguments: arguments, environment: environment, metrics: metrics)
        running.append(api)
        return api
    }

    /// A new API key with `scopes`, as `flexfin apikey create` prints it;
    /// `limits` adds its options (`--debit-account`, `--ceiling`).
    func apiKey(_ name: String, _ scopes: String, rate: Int = 1000, limits: [String] = []) throws -> String {
        let created = try runFlexfin(["apikey", "create", "--name", name, "--scopes", scopes, "--rate", String(rate)] + limits)
        XCTAssertEqual(created.status, 0, created.errors)
        return created.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func startEventWorkers(arguments: [String] = []) throws -> [RunningWorker] {
        try ["audit-worker", "notifications-worker", "tax-worker"].map { try start($0, arguments: arguments) }
    }

    func submit(_ commands: [SubmittedCommand]) throws {
        try CommandProducer(settings: settings, topology: topology).publish(commands)
    }

    func w1(_ n: Int) throws -> W1Workload {
        try W1Workload.load(n: n, seed: 42, file: nil, generator: W1Workload.locateGenerator(repository: repositoryRoot))
    }

    func assertInvariants(_ expected: W1Workload.Expected, file: StaticString = #filePath, line: UInt = #line) throws {
        for check in try Invariants.check(expected, settings: settings, topology: topology) {
            XCTAssertTrue(check.ok, "\(check.name): \(check.detail)", file: file, line: line)
        }
    }

    /// Payments decided (applied or rejected) so far: the payments inbox.
    func decidedPayments() throws -> Int {
        try count("SELECT count(*) FROM inbox WHERE consumer = 'payments'")
    }

    func waitUntilDecided(atLeast decided: Int, upTo timeout: Duration = .seconds(60)) throws {
        try workbench.wait(upTo: timeout, for: "\(decided) payments decided") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = 'payments'").int(0, 0)! >= decided
        }
    }

    func count(_ sql: String, _ parameters: [any PostgresBindable] = []) throws -> Int {
        try settings.connectDatabase().query(sql, parameters).int(0, 0) ?? -1
    }

    func readyMessages(_ queue: String) throws -> Int {
        try settings.connectBroker().openChannel().inspectQueue(queue).messageCount
    }

    func payment(_ id: String, _ from: String, _ to: String, _ amount: Int64) -> SubmittedCommand {
        SubmittedCommand(PaymentCommand(commandId: id, payer: from, payee: to, amount: .init(minorUnits: amount, currency: .init("USD")!)))
    }
}
