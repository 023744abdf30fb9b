import AMQPClient
import Foundation
import TestSupport
import Topology
import XCTest

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
        XCTAssertEqual(Set(spec.queues.map(\.name)), ["commands.payment", "commands.milestone", "commands.repayment",
                                                       "commands.risk", "events.audit", "events.notifications", "events.tax"])
        for queue in spec.queues {
            let arguments = try XCTUnwrap(queues[queue.name])
            XCTAssertEqual(arguments["x-queue-type"], "quorum", queue.name)
            XCTAssertEqual(arguments["x-dead-letter-exchange"], .string(spec.deadLetterExchange), queue.name)
            XCTAssertEqual(arguments["x-dead-letter-routing-key"], .string(queue.name + ".dlq"), queue.name)
            XCTAssertEqual(arguments["x-dead-letter-strategy"], "at-least-once", queue.name)
            XCTAssertEqual(arguments["x-delivery-limit"], .int(Int64(queue.deliveryLimit)), queue.name)
            XCTAssertEqual(queues[queue.name + ".dlq"]?["x-queue-type"], "quorum")
            XCTAssertTrue(plan.bindings.contains(.init(queue: queue.name + ".dlq", exchange: spec.deadLetterExchange,
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
}
