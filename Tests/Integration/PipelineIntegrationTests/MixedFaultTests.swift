import Domain
import Foundation
import PipelineHarness
import TestSupport
import XCTest

/// The mixed workload with every one of the eight workers SIGKILLed at seeded
/// random points: every command decided once, every follow-up once.
final class MixedFaultTests: PipelineTestCase {
    private static let workers = [
        "payments-worker", "milestones-worker", "repayments-worker", "accounts-worker", "risk-worker", "audit-worker",
        "notifications-worker", "tax-worker",
    ]

    func testKillingEachOfTheEightWorkersAtRandomPointsAppliesTheMixExactlyOnce() throws {
        let workload = MixedWorkload(n: 3000, seed: 9)
        let absent = Set(CommandType.allCases.map(\.rawValue)).subtracting(workload.commands.map(\.type))
        XCTAssertEqual(absent, ["account.unfreeze", "account.close"], "the mix holds every other command type")
        try workbench.reset(wallets: MixedWorkload.wallets, balance: workload.funding, more: workload.seed)
        var random = SeededRandom(seed: 6)
        var running = try Self.workers.map { try start($0, lanes: $0.hasSuffix("audit-worker") ? 1 : 2, batchSize: 50) }
        let rounds = 16  // each worker killed twice
        let slice = (workload.commands.count + rounds - 1) / rounds
        var killedWithWorkInHand = 0
        for round in 0..<rounds {
            try submit(Array(workload.commands.dropFirst(round * slice).prefix(slice)))
            let victim = round % Self.workers.count
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.4, using: &random))
            let pending = try count("SELECT count(*) FROM outbox") + readyMessages(queue(of: Self.workers[victim]))
            running[victim].kill()
            if pending > 0 { killedWithWorkInHand += 1 }
            running[victim] = try start(Self.workers[victim], lanes: Self.workers[victim] == "audit-worker" ? 1 : 2, batchSize: 50)
        }
        print("killed with work in hand: \(killedWithWorkInHand) of \(rounds)")
        XCTAssertGreaterThanOrEqual(killedWithWorkInHand, rounds / 2, "the kills landed while there was work")
        try workbench.waitUntilComplete(workload.expected.followUps, workers: running, upTo: .seconds(240))
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        for check in try MixedInvariants.check(workload.expected, settings: settings, topology: topology) {
            XCTAssertTrue(check.ok, "\(check.name): \(check.detail)")
        }
    }

    private func queue(of worker: String) -> String {
        [
            "payments-worker": "commands.payment", "milestones-worker": "commands.milestone", "repayments-worker": "commands.repayment",
            "accounts-worker": "commands.account",
            "risk-worker": "commands.risk", "audit-worker": "events.audit", "notifications-worker": "events.notifications",
            "tax-worker": "events.tax",
        ][worker]!
    }
}
