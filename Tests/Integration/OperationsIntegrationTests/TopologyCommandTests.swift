import AMQPClient
import Foundation
import TestSupport
import Topology
import XCTest

/// `flexfin topology` and `flexfin queues` as an operator runs them, on a
/// copy of the shipped topology whose names carry a unique prefix, so the
/// real topology is never disturbed.
final class TopologyCommandTests: XCTestCase {
    private var file = URL(fileURLWithPath: "/")
    private var plan: BrokerPlan!

    override func setUpWithError() throws {
        let prefix = TestServices.uniqueName("test") + "."
        var spec = try TopologySpec.load(from: repositoryRoot.appendingPathComponent("queues/topology.json"))
        let renamed = Dictionary(uniqueKeysWithValues: spec.exchanges.map { ($0.name, prefix + $0.name) })
        spec.exchanges = spec.exchanges.map { .init(name: prefix + $0.name, type: $0.type) }
        spec.deadLetterExchange = prefix + spec.deadLetterExchange
        spec.retry.returnExchange = prefix + spec.retry.returnExchange
        spec.retry.tiers = spec.retry.tiers.map { .init(name: prefix + $0.name, ttlMilliseconds: $0.ttlMilliseconds) }
        spec.queues = spec.queues.map { queue in
            var queue = queue
            queue.name = prefix + queue.name
            queue.bindings = queue.bindings.map { .init(exchange: renamed[$0.exchange]!, routingKey: $0.routingKey) }
            return queue
        }
        plan = BrokerPlan(spec)
        file = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)topology.json")
        try JSONEncoder().encode(spec).write(to: file)
    }

    override func tearDownWithError() throws {
        let channel = try TestServices.settings.connectBroker().openChannel()
        for queue in plan.queues { _ = try? channel.deleteQueue(queue.name) }
        for exchange in plan.exchanges { try? channel.deleteExchange(exchange.name) }
        try? FileManager.default.removeItem(at: file)
    }

    /// `rabbitmqctl list_queues name type arguments`, through the services script.
    private func rabbitmqctlQueues() throws -> [String: String] {
        let process = Process()
        process.executableURL = repositoryRoot.appendingPathComponent("deploy/local/services")
        process.arguments = [
            "rabbitmqctl", "list_queues", "-q", "-p", TestServices.settings.amqpEndpoints[0].vhost,
            "name", "type", "arguments",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var rows: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            if fields.count == 2 { rows[String(fields[0])] = String(fields[1]) }
        }
        return rows
    }

    func testApplyTwiceThenTheBrokerListsEveryQueueAsQuorumWithDeadLetters() throws {
        for _ in 0..<2 {
            let run = try runFlexfin(["topology", "apply", "--topology", file.path])
            XCTAssertEqual(run.status, 0, run.output + run.errors)
        }
        let listed = try rabbitmqctlQueues()
        for queue in plan.queues {
            let row = try XCTUnwrap(listed[queue.name], "rabbitmqctl does not list \(queue.name)")
            XCTAssertTrue(row.hasPrefix("quorum"), "\(queue.name): \(row)")
            if let deadLetterKey = queue.arguments["x-dead-letter-routing-key"]?.stringValue {
                XCTAssertTrue(row.contains("{\"x-dead-letter-routing-key\",\"\(deadLetterKey)\"}"), row)
                XCTAssertTrue(row.contains("x-dead-letter-exchange"), row)
            }
        }
        let check = try runFlexfin(["topology", "check", "--topology", file.path])
        XCTAssertEqual(check.status, 0, check.output + check.errors)
        XCTAssertTrue(check.output.contains("topology matches"), check.output)
    }

    func testCheckFailsAndNamesAQueueDeletedByHand() throws {
        XCTAssertEqual(try runFlexfin(["topology", "apply", "--topology", file.path]).status, 0)
        let victim = plan.queues[0].name
        try TestServices.settings.connectBroker().openChannel().deleteQueue(victim)
        let check = try runFlexfin(["topology", "check", "--topology", file.path])
        XCTAssertNotEqual(check.status, 0)
        XCTAssertTrue(check.output.contains("queue \(victim) is missing"), check.output)
        // Its bindings went with it; nothing else differs.
        let differences = check.output.split(separator: "\n").filter { $0.hasPrefix("DIFFERS:") }
        XCTAssertFalse(differences.isEmpty)
        XCTAssertTrue(differences.allSatisfy { $0.contains(victim) }, check.output)

        XCTAssertEqual(try runFlexfin(["topology", "apply", "--topology", file.path]).status, 0)
        XCTAssertEqual(try runFlexfin(["topology", "check", "--topology", file.path]).status, 0)
    }

    /// A binding the data no longer has (events routed to a queue nobody
    /// consumes them from) is named by check and removed by apply.
    func testABindingLeftFromAnEarlierTopologyIsNamedAndRemoved() throws {
        XCTAssertEqual(try runFlexfin(["topology", "apply", "--topology", file.path]).status, 0)
        let (queue, exchange) = (plan.queues[0].name, plan.exchanges.first { $0.type == "topic" }!.name)
        try TestServices.settings.connectBroker().openChannel().bindQueue(queue, exchange: exchange, routingKey: "debt.repaid")
        let check = try runFlexfin(["topology", "check", "--topology", file.path])
        XCTAssertNotEqual(check.status, 0)
        XCTAssertTrue(check.output.contains("binding \(exchange) -> \(queue) [debt.repaid] is not in the topology"), check.output)

        let apply = try runFlexfin(["topology", "apply", "--topology", file.path])
        XCTAssertTrue(apply.output.contains("removed binding \(exchange) -> \(queue) [debt.repaid]"), apply.output + apply.errors)
        XCTAssertEqual(try runFlexfin(["topology", "check", "--topology", file.path]).status, 0)
    }

    func testCheckNamesAQueueOfTheWrongType() throws {
        XCTAssertEqual(try runFlexfin(["topology", "apply", "--topology", file.path]).status, 0)
        let victim = plan.queues[0].name
        let channel = try TestServices.settings.connectBroker().openChannel()
        try channel.deleteQueue(victim)
        try channel.declareQueue(victim, arguments: ["x-queue-type": "classic"])
        let check = try runFlexfin(["topology", "check", "--topology", file.path])
        XCTAssertNotEqual(check.status, 0)
        XCTAssertTrue(check.output.contains("queue \(victim) has type classic, expected quorum"), check.output)

        // Over AMQP alone the broker itself names an inequivalent argument.
        let overAMQP = try runFlexfin(["topology", "check", "--topology", file.path], environment: ["FLEXFIN_AMQP_MANAGEMENT_URL": "none"])
        XCTAssertNotEqual(overAMQP.status, 0)
        XCTAssertTrue(overAMQP.output.contains("queue \(victim) differs: PRECONDITION_FAILED - inequivalent arg"), overAMQP.output)
    }

    func testQueuesReportsReadyMessagesAndConsumers() throws {
        XCTAssertEqual(try runFlexfin(["topology", "apply", "--topology", file.path]).status, 0)
        let target = plan.queues[0].name
        let broker = try TestServices.settings.connectBroker()
        let channel = try broker.openChannel()
        try channel.enableConfirms()
        for _ in 0..<3 { try channel.publish(exchange: "", routingKey: target, message: AMQPMessage(body: [1])) }
        try channel.waitForConfirms()

        // Without the management API: exact ready counts by passive declare.
        let run = try runFlexfin(["queues", "--json", "--topology", file.path], environment: ["FLEXFIN_AMQP_MANAGEMENT_URL": "none"])
        XCTAssertEqual(run.status, 0, run.errors)
        let snapshot = try JSONDecoder().decode(QueueMonitor.Snapshot.self, from: Data(run.output.utf8))
        XCTAssertEqual(snapshot.queues.map(\.queue), plan.queues.map(\.name))
        XCTAssertEqual(snapshot.queues.first { $0.queue == target }?.ready, 3)
        XCTAssertTrue(snapshot.queues.allSatisfy(\.exists))
        XCTAssertNil(snapshot.queues[0].unacknowledged)

        // With it: unacknowledged counts appear; the table names its source.
        let table = try runFlexfin(["queues", "--topology", file.path])
        XCTAssertEqual(table.status, 0, table.errors)
        XCTAssertTrue(table.output.contains("source: management API"), table.output)
        XCTAssertTrue(table.output.contains(target), table.output)
    }

    func testBadInputGetsAClearErrorAndANonZeroExit() throws {
        let badURL = try runFlexfin(["topology", "check", "--topology", file.path], environment: ["FLEXFIN_AMQP_URL": "http://nope"])
        XCTAssertNotEqual(badURL.status, 0)
        XCTAssertTrue(badURL.errors.contains("FLEXFIN_AMQP_URL"), badURL.errors)

        let missingFile = try runFlexfin(["topology", "apply", "--topology", "/nonexistent/topology.json"])
        XCTAssertNotEqual(missingFile.status, 0)
        XCTAssertTrue(missingFile.errors.contains("/nonexistent/topology.json"), missingFile.errors)

        let unknownFlag = try runFlexfin(["queues", "--no-such-flag"])
        XCTAssertNotEqual(unknownFlag.status, 0)
        XCTAssertTrue(unknownFlag.errors.contains("--no-such-flag"), unknownFlag.errors)

        let closedBroker = try runFlexfin(
            ["topology", "apply", "--topology", file.path],
            environment: ["FLEXFIN_AMQP_URL": "amqp://u:secret-pw@127.0.0.1:\(closedPort())/v"])
        XCTAssertNotEqual(closedBroker.status, 0)
        XCTAssertTrue(closedBroker.errors.contains("connection refused"), closedBroker.errors)
        XCTAssertFalse(closedBroker.errors.contains("secret-pw"), closedBroker.errors)
    }
}
