import AMQPClient
import Foundation
import PipelineHarness
import Settings
import TestSupport
import Topology
import XCTest

/// A three-node RabbitMQ cluster of the test's own (its data folder and
/// ports, started and stopped here), and its leader killed mid-run.
final class ClusterFailoverTests: PipelineTestCase {
    /// Another data folder and ports than the suite's broker and a
    /// developer's own cluster (`services start --cluster`).
    static let folder = repositoryRoot.appendingPathComponent(".services/test-cluster")
    static let environment = ["FLEXFIN_DATA_DIR": folder.path, "FLEXFIN_CLUSTER_AMQP_PORT": "5780"]
    static let nodes = 1...3

    nonisolated(unsafe) static var startFailure: (any Error)?

    override class func setUp() {
        super.setUp()
        // A run that crashed may have left its nodes running.
        try? TestServices.control("stop", "cluster", environment: environment)
        try? FileManager.default.removeItem(at: folder)
        do { try TestServices.control("start", "cluster", environment: environment) } catch { startFailure = error }
    }

    override func setUpWithError() throws {
        if let failure = Self.startFailure { throw failure }
        try super.setUpWithError()
    }

    override class func tearDown() {
        try? TestServices.control("stop", "cluster", environment: environment)
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    override func servers() throws -> ServiceSettings {
        var cluster = TestServices.settings
        let first = cluster.amqpEndpoints[0]
        cluster.amqpEndpoints = Self.nodes.map {
            AMQPEndpoint(host: "127.0.0.1", port: 5780 + $0, user: first.user, password: first.password, vhost: first.vhost)
        }
        cluster.amqpManagementURLs = Self.nodes.map { URL(string: "http://127.0.0.1:\(15780 + $0)")! }
        return cluster
    }

    func testKillingTheNodeThatLeadsTheCommandQueueMidRunLosesAndDuplicatesNothing() throws {
        let (leader, stalled) = try runThroughAFaultOfTheLeader(
            inject: { try TestServices.control("kill", "rabbitmq-\($0)", environment: Self.environment) },
            recover: { try TestServices.control("start", "rabbitmq-\($0)", environment: Self.environment) })
        print("cluster failover: killed \(leader), pipeline stalled at most \(stalled)")
    }

    /// The leader is cut off from the other two (see `services partition`)
    /// while every client is connected to it: the node pauses as the
    /// minority, its clients fail over, and it rejoins when the cut heals.
    func testPartitioningTheLeaderAwayMidRunLosesAndDuplicatesNothing() throws {
        let (leader, stalled) = try runThroughAFaultOfTheLeader(
            inject: { try TestServices.control("partition", "rabbitmq-\($0)", "15", environment: Self.environment) },
            recover: { _ in })
        print("cluster partition: cut off \(leader) for 15 s, pipeline stalled at most \(stalled)")
    }

    /// W1 (4,000 commands): a backlog being worked through, a producer
    /// mid-stream, every client connected to the node that leads
    /// commands.payment; then `inject`, the backlog finished without that
    /// node, `recover`, and every promise checked. The longest stall.
    private func runThroughAFaultOfTheLeader(inject: (Int) throws -> Void, recover: (Int) throws -> Void) throws -> (String, Duration) {
        let management = try XCTUnwrap(settings.managementAPI)
        let before = try XCTUnwrap(management.queueDefinitions()["commands.payment"])
        XCTAssertEqual(before.members.count, 3, "the topology's group size puts a member on every node: \(before.members)")
        let leader = try XCTUnwrap(before.leader)
        let victim = try XCTUnwrap(Self.nodes.first { leader == "flexfin-\(5780 + $0)@localhost" }, "leader \(leader)")
        var onLeader = settings
        onLeader.amqpEndpoints =
            onLeader.amqpEndpoints.filter { $0.port == 5780 + victim } + onLeader.amqpEndpoints.filter { $0.port != 5780 + victim }
        let clients = ["FLEXFIN_AMQP_URL": onLeader.environment["FLEXFIN_AMQP_URL"]!]

        let workload = try w1(4000)
        let backlog = Array(workload.commands.prefix(3000))
        let stream = Array(workload.commands.dropFirst(3000))
        try submit(backlog)
        let workers =
            [try start("payments-worker", lanes: 2, batchSize: 20, environment: clients)]
            + (try ["audit-worker", "notifications-worker", "tax-worker"].map { try start($0, environment: clients) })
        try waitUntilDecided(atLeast: 200)
        let submission = HeldSubmission(stream, settings: onLeader, topology: topology)
        try workbench.wait(upTo: .seconds(60), for: "the submission to be under way") { _ in submission.confirmed > 0 }

        let stall = StallWatch(settings: settings, target: Set(workload.commands.map(\.commandId)).count)
        try inject(victim)
        submission.resume()
        try workbench.wait(upTo: .seconds(60), for: "another node to lead commands.payment") { _ in
            let now = try? management.queueDefinitions()["commands.payment"]?.leader
            return now != nil && now != leader
        }
        try workbench.wait(upTo: .seconds(120), for: "the backlog to be decided without \(leader)") { _ in
            try self.decidedPayments() >= Set(backlog.map(\.commandId)).count
        }
        try recover(victim)

        XCTAssertGreaterThan(try submission.finish(), 0, "the producer lost its node and published its unconfirmed chunk again")
        XCTAssertEqual(submission.confirmed, stream.count, "every command of the stream confirmed")
        do { try workbench.waitUntilComplete(workload.expected.followUps, workers: workers, upTo: .seconds(180)) } catch {
            print((try? brokerReport(workers: workers)) ?? "no broker report")
            throw error
        }
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        let stalled = stall.finish()
        try assertInvariants(workload.expected)
        XCTAssertTrue(workers.allSatisfy(\.isRunning), "no worker exited")
        XCTAssertTrue(workers.allSatisfy { $0.logText.contains("reconnecting") }, "every worker lost its node and found another")
        XCTAssertLessThan(stalled, .seconds(60), "the pipeline stalled for \(stalled)")
        try workbench.wait(upTo: .seconds(120), for: "\(leader) back in the cluster") { _ in
            let nodes = try? management.clusterNodes()
            return nodes?.count == 3 && nodes!.allSatisfy(\.running)
        }
        XCTAssertEqual(try management.queueDefinitions()["commands.payment"]?.members.count, 3)
        return (leader, stalled)
    }

    /// Where a run that did not finish stands on the broker: each queue's
    /// leader, depth and consumers, each node's log lines about the event
    /// queues, and each worker's warnings. CI keeps nothing else.
    private func brokerReport(workers: [RunningWorker]) throws -> String {
        let endpoint = settings.amqpEndpoints[0]
        var report = ["broker at the timeout:"]
        for node in Self.nodes {
            let url =
                "http://127.0.0.1:\(15780 + node)/api/queues/\(endpoint.vhost)?columns=name,leader,members,online,messages,messages_ready,messages_unacknowledged,consumers,single_active_consumer_tag"
            let curl = Process()
            let output = Pipe()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments = ["-s", "-m", "5", "-u", "\(endpoint.user):\(endpoint.password)", url]
            curl.standardOutput = output
            try curl.run()
            curl.waitUntilExit()
            report.append("node \(node): " + String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        for node in Self.nodes {
            let logs = Self.folder.appendingPathComponent("cluster/node-\(node)/log")
            for file in (try? FileManager.default.contentsOfDirectory(at: logs, includingPropertiesForKeys: nil)) ?? [] {
                let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
                let lines = text.split(separator: "\n").filter {
                    $0.contains("events.") || $0.contains("[warning]") || $0.contains("[error]")
                }
                report.append("node \(node) \(file.lastPathComponent):\n" + lines.suffix(80).joined(separator: "\n"))
            }
        }
        for worker in workers {
            let lines = worker.logText.split(separator: "\n").filter { !$0.contains(" info ") }
            report.append("\(worker.name):\n" + lines.suffix(40).joined(separator: "\n"))
        }
        return report.joined(separator: "\n")
    }
}
