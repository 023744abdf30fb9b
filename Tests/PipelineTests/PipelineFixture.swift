import AMQPClient
import Benchmark
import Foundation
import PostgresClient
import Settings
import Submission
import TestSupport
import Topology
import XCTest

/// The real worker executables (built beside the test bundle) against the
/// real services; every test starts from a wiped, seeded state.
class PipelineTestCase: XCTestCase {
    var workbench: Workbench!
    var topology: TopologySpec!
    private var running: [RunningWorker] = []

    var settings: ServiceSettings { workbench.settings }

    override func setUpWithError() throws {
        topology = try TopologySpec.load(from: repositoryRoot.appendingPathComponent("queues/topology.json"))
        let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        workbench = Workbench(settings: TestServices.settings, topology: topology, workers: binaries)
        try workbench.reset()
    }

    override func tearDownWithError() throws {
        for worker in running where worker.isRunning { worker.kill() }
        running = []
    }

    func start(_ name: String, lanes: Int = 1, batchSize: Int = 100, environment: [String: String] = [:]) throws -> RunningWorker {
        let worker = try workbench.start(name, lanes: lanes, batchSize: batchSize, environment: environment)
        running.append(worker)
        return worker
    }

    func startEventWorkers() throws -> [RunningWorker] {
        try ["audit-worker", "notifications-worker", "tax-worker"].map { try start($0) }
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

    func count(_ sql: String, _ parameters: [any PostgresBindable] = []) throws -> Int {
        try settings.connectDatabase().query(sql, parameters).int(0, 0) ?? -1
    }

    func readyMessages(_ queue: String) throws -> Int {
        try settings.connectBroker().openChannel().inspectQueue(queue).messageCount
    }

    func payment(_ id: String, _ from: String, _ to: String, _ amount: Int64) -> SubmittedCommand {
        SubmittedCommand(payment: .init(commandId: id, payer: from, payee: to, amount: .init(minorUnits: amount, currency: .init("USD")!)))
    }
}
