import Foundation
import Settings
import TestSupport
import XCTest

@testable import Topology

/// The broker rights each runtime role gets from the shipped topology, read
/// as RabbitMQ reads them: a regular expression that must match the whole
/// resource name.
final class BrokerPermissionsTests: XCTestCase {
    private func plan() throws -> BrokerPlan {
        BrokerPlan(try TopologySpec.load(from: repositoryRoot.appendingPathComponent("queues/topology.json")))
    }

    private func allows(_ pattern: String, _ name: String) throws -> Bool {
        let expression = try NSRegularExpression(pattern: pattern)
        return expression.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    func testNoRoleMayConfigureAnything() throws {
        let plan = try plan()
        for role in RuntimeRole.allCases {
            for name in plan.queues.map(\.name) + plan.exchanges.map(\.name) + ["intruder", "amq.default"] {
                XCTAssertFalse(try allows(plan.permissions(for: role).configure, name), "\(role) configures \(name)")
            }
        }
    }

    func testWorkersUseTheTopologyAndNothingElse() throws {
        let plan = try plan()
        let worker = plan.permissions(for: .worker)
        for exchange in plan.exchanges { XCTAssertTrue(try allows(worker.write, exchange.name), exchange.name) }
        for queue in plan.queues { XCTAssertTrue(try allows(worker.read, queue.name), queue.name) }
        for outside in ["amq.default", "amq.fanout", "flexfin.events.copy", "xflexfin.events", "commands-payment"] {
            XCTAssertFalse(try allows(worker.write, outside), outside)
            XCTAssertFalse(try allows(worker.read, outside), outside)
        }
    }

    func testTheAPIPublishesCommandsAndReplaysButConsumesNoWork() throws {
        let plan = try plan()
        for role in [RuntimeRole.api, .operator] {
            let rights = plan.permissions(for: role)
            XCTAssertEqual(
                try plan.exchanges.map(\.name).filter { try allows(rights.write, $0) }.sorted(),
                [plan.commandExchange, plan.returnExchange].sorted(), "\(role)")
            XCTAssertEqual(try plan.queues.map(\.name).filter { try allows(rights.read, $0) }, plan.deadLetterQueues, "\(role)")
            XCTAssertFalse(try allows(rights.write, "amq.default"), "\(role): the default exchange reaches every queue")
        }
    }
}
