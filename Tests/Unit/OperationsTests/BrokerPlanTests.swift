import AMQPClient
import Foundation
import TestSupport
import XCTest

@testable import Topology

/// The rules that turn queues/topology.json into declarations. No I/O
/// beyond reading the file.
final class BrokerPlanTests: XCTestCase {
    private func shippedSpec() throws -> TopologySpec {
        try TopologySpec.load(from: repositoryRoot.appendingPathComponent("queues/topology.json"))
    }

    func testEveryWorkQueueIsQuorumWithItsOwnDeadLetterQueue() throws {
        let spec = try shippedSpec()
        let plan = BrokerPlan(spec)
        let queues = Dictionary(uniqueKeysWithValues: plan.queues.map { ($0.name, $0.arguments) })
        XCTAssertEqual(
            Set(spec.queues.map(\.name)),
            [
                "commands.payment", "commands.milestone", "commands.repayment",
                "commands.risk", "commands.account", "events.audit", "events.notifications", "events.tax",
            ])
        for queue in spec.queues {
            let arguments = try XCTUnwrap(queues[queue.name])
            XCTAssertEqual(arguments["x-queue-type"], "quorum", queue.name)
            XCTAssertEqual(arguments["x-dead-letter-exchange"], .string(spec.deadLetterExchange), queue.name)
            XCTAssertEqual(arguments["x-dead-letter-routing-key"], .string(queue.name + ".dlq"), queue.name)
            XCTAssertEqual(arguments["x-dead-letter-strategy"], "at-least-once", queue.name)
            XCTAssertEqual(arguments["x-delivery-limit"], .int(Int64(queue.deliveryLimit)), queue.name)
            XCTAssertEqual(queues[queue.name + ".dlq"]?["x-queue-type"], "quorum")
            XCTAssertTrue(
                plan.bindings.contains(
                    .init(
                        queue: queue.name + ".dlq", exchange: spec.deadLetterExchange,
                        routingKey: queue.name + ".dlq")))
            // Expired retries come back to the queue they came from.
            XCTAssertTrue(plan.bindings.contains(.init(queue: queue.name, exchange: spec.retry.returnExchange, routingKey: queue.name)))
        }
        XCTAssertEqual(queues["events.audit"]?["x-single-active-consumer"], true)
        XCTAssertNil(queues["events.tax"]?["x-single-active-consumer"])
    }

    func testRetryTiersDelayThenReturnToTheOrigin() throws {
        let spec = try shippedSpec()
        let plan = BrokerPlan(spec)
        XCTAssertFalse(spec.retry.tiers.isEmpty)
        for tier in spec.retry.tiers {
            let queue = try XCTUnwrap(plan.queues.first { $0.name == tier.name })
            XCTAssertEqual(queue.arguments["x-message-ttl"], .int(Int64(tier.ttlMilliseconds)))
            XCTAssertEqual(queue.arguments["x-dead-letter-exchange"], .string(spec.retry.returnExchange))
            XCTAssertNil(queue.arguments["x-dead-letter-routing-key"], "the origin queue's routing key must survive")
            XCTAssertTrue(plan.exchanges.contains(.init(name: tier.name, type: "fanout")))
        }
    }

    /// Three members per quorum queue, asked for only at creation (the
    /// broker refuses a redeclare whose group size differs), and judged by
    /// the members a queue has on the cluster it is on.
    func testQuorumQueuesAskForThreeMembersAtCreationAndCheckJudgesTheMembers() throws {
        let plan = BrokerPlan(try shippedSpec())
        for queue in plan.queues {
            XCTAssertEqual(queue.groupSize, 3, queue.name)
            XCTAssertEqual(queue.declaration(creating: true)["x-quorum-initial-group-size"], .int(3), queue.name)
            XCTAssertNil(queue.declaration(creating: false)["x-quorum-initial-group-size"], queue.name)
            XCTAssertNil(queue.arguments["x-quorum-initial-group-size"], "compared arguments leave it out: \(queue.name)")
        }
        let payment = try XCTUnwrap(plan.queues.first { $0.name == "commands.payment" })
        let arguments = payment.declaration(creating: true).mapValues { value -> Any in
            switch value {
            case .string(let text): text
            case .int(let number): Int(number)
            case .bool(let flag): flag
            default: "\(value)"
            }
        }
        let onOne = ManagementAPI.QueueDefinition(type: "quorum", arguments: arguments, members: ["a"], leader: "a")
        XCTAssertEqual(TopologyDeclarer.compare(payment, with: onOne, clusterSize: 1), [], "one node: one member is all there can be")
        XCTAssertEqual(
            TopologyDeclarer.compare(payment, with: onOne, clusterSize: 3),
            [
                "queue commands.payment has members on 1 of the cluster's 3 nodes, the topology wants 3 (`rabbitmq-queues grow <node> all` adds them)"
            ])
        let onThree = ManagementAPI.QueueDefinition(type: "quorum", arguments: arguments, members: ["a", "b", "c"], leader: "b")
        XCTAssertEqual(TopologyDeclarer.compare(payment, with: onThree, clusterSize: 5), [])
    }

    /// RabbitMQ 4 gives a quorum queue without a delivery limit one of 20,
    /// past which a dead letter would be dropped: every quorum queue states
    /// its own, the dead-letter queues and retry tiers one no return reaches.
    func testEveryQuorumQueueStatesItsDeliveryLimit() throws {
        let spec = try shippedSpec()
        let plan = BrokerPlan(spec)
        let work = Set(spec.queues.map(\.name))
        for queue in plan.queues where queue.arguments["x-queue-type"] == "quorum" {
            let limit = try XCTUnwrap(queue.arguments["x-delivery-limit"]?.intValue, "\(queue.name) states no delivery limit")
            if work.contains(queue.name) {
                XCTAssertEqual(limit, Int64(try XCTUnwrap(spec.queues.first { $0.name == queue.name }).deliveryLimit), queue.name)
            } else {
                XCTAssertEqual(limit, 2_147_483_647, "\(queue.name): a dead-letter queue or retry tier drops nothing for returns")
            }
        }
        XCTAssertEqual(plan.queues.count { $0.name.hasSuffix(".dlq") }, spec.queues.count)
    }

    /// `topology check` names a dead-letter queue declared without the
    /// limit (as every one was before) or with another.
    func testCheckReportsADeadLetterQueueWhoseDeliveryLimitDiffers() throws {
        let plan = BrokerPlan(try shippedSpec())
        let dlq = try XCTUnwrap(plan.queues.first { $0.name == "commands.payment.dlq" })
        let old = ManagementAPI.QueueDefinition(type: "quorum", arguments: ["x-queue-type": "quorum"], members: ["a"], leader: "a")
        XCTAssertEqual(
            TopologyDeclarer.compare(dlq, with: old, clusterSize: 1),
            ["queue commands.payment.dlq lacks argument x-delivery-limit = 2147483647"])
        let twenty = ManagementAPI.QueueDefinition(
            type: "quorum", arguments: ["x-queue-type": "quorum", "x-delivery-limit": 20],
            members: ["a"], leader: "a")
        XCTAssertEqual(
            TopologyDeclarer.compare(dlq, with: twenty, clusterSize: 1),
            ["queue commands.payment.dlq has argument x-delivery-limit = 20, expected 2147483647"])
    }
}
