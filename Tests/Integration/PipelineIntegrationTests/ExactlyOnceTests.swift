import AMQPClient
import Domain
import Foundation
import Ledger
import PipelineHarness
import Submission
import TestSupport
import XCTest

/// Delivery is at least once; effects must be exactly once.
final class ExactlyOnceTests: PipelineTestCase {
    func testDuplicatesAndRedeliveriesApplyEachCommandOnce() throws {
        let workload = try w1(2000)  // 1% exact duplicates, re-sent later in the stream
        try submit(workload.commands)

        // A competing consumer that takes whole batches and hands them back
        // (nack, requeue) as a crashing worker would: those messages come
        // back redelivered, some after the worker has already seen others.
        let meddler = try settings.connectBroker()
        let meddling = try meddler.openChannel()
        try meddling.setPrefetch(150)
        try meddling.consume("commands.payment")
        var handedBack = 0
        var redelivered = Set<String>()
        for _ in 0..<3 {
            var last: UInt64 = 0
            for _ in 0..<150 {
                guard let delivery = try meddler.nextDelivery(timeout: .seconds(2)) else { break }
                last = delivery.deliveryTag
                redelivered.insert(delivery.message.properties.messageId ?? "")
                handedBack += 1
            }
            if last > 0 { try meddling.nack(last, multiple: true, requeue: true) }
        }
        XCTAssertEqual(handedBack, 450)

        let payments = try start("payments-worker", lanes: 2, batchSize: 100)
        let events = try startEventWorkers()
        meddler.close()
        try workbench.waitUntilComplete(workload.expected.followUps, workers: [payments] + events, upTo: .seconds(120))

        // Late duplicates of commands already applied: acknowledged, no effect.
        try submit(Array(workload.commands.prefix(100)))
        try workbench.wait(upTo: .seconds(30), for: "the late duplicates to be consumed") { _ in
            try readyMessages("commands.payment") == 0
        }
        _ = try payments.stop()  // finishes and acks its batch in hand
        for worker in events { _ = try worker.stop() }

        try assertInvariants(workload.expected)
        XCTAssertEqual(try count("SELECT count(DISTINCT command_id) FROM transfers WHERE kind <> 'deposit'"), workload.expected.completed)
        XCTAssertEqual(try count("SELECT count(*) FROM (SELECT event_id FROM audit_log GROUP BY event_id HAVING count(*) > 1) d"), 0)
        XCTAssertEqual(
            try count("SELECT count(*) FROM transfers WHERE command_id = ANY($1)", [Array(redelivered)]),
            try count(
                "SELECT count(*) FROM inbox WHERE consumer = 'payments' AND outcome = 'applied' AND message_id = ANY($1)",
                [Array(redelivered)]),
            "each redelivered command has exactly its one transfer")
    }

    func testTwoProcessesOfTwoLanesOnFiftyHotWalletsNeverGoNegative() throws {
        try workbench.reset(wallets: 50, balance: 10_000)
        var generator = SystemRandomNumberGenerator()
        let commands = (0..<3000).map { index -> SubmittedCommand in
            let payer = Int.random(in: 1...50, using: &generator)
            var payee = Int.random(in: 1...49, using: &generator)
            if payee >= payer { payee += 1 }
            return payment(
                "hot-\(index)", String(format: "w%04d", payer), String(format: "w%04d", payee),
                Int64.random(in: 1...4000, using: &generator))
        }
        let first = try start("payments-worker", lanes: 2, batchSize: 50)
        let second = try start("payments-worker", lanes: 2, batchSize: 50)
        try submit(commands)
        try workbench.wait(upTo: .seconds(120), for: "all 3000 payments decided") { db in
            XCTAssertTrue(first.isRunning && second.isRunning, "a worker died")
            return try db.query("SELECT count(*) FROM inbox WHERE consumer = 'payments'").int(0, 0) == 3000
        }
        _ = try first.stop()
        _ = try second.stop()

        XCTAssertEqual(try count("SELECT count(*) FROM accounts WHERE kind = 'wallet' AND balance < 0"), 0)
        XCTAssertEqual(try count("SELECT sum(balance)::int FROM accounts WHERE kind = 'wallet'"), 50 * 10_000)
        let applied = try count("SELECT count(*) FROM inbox WHERE consumer = 'payments' AND outcome = 'applied'")
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE kind <> 'deposit'"), applied)
        XCTAssertGreaterThan(applied, 0)
        XCTAssertGreaterThan(
            try count("SELECT count(*) FROM inbox WHERE reason = 'insufficient_funds'"), 0, "the hot wallets ran dry at times")
        let ledger = try LedgerVerification.run(on: settings.connectDatabase())
        XCTAssertTrue(ledger.problems.isEmpty, "\(ledger.problems)")
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0, "no deadlock or error was left unhandled")
        for worker in [first, second] {
            XCTAssertFalse(worker.logText.contains("lane stopped by an error"), worker.logText)
        }
    }

    /// Twenty SIGKILLs at seeded random points: the workload goes in twenty
    /// slices; each kill lands a random moment after the worker has been
    /// seen deciding payments, while it has more in hand (mid-batch,
    /// committed or not, acknowledged or not), and a fresh worker takes over.
    func testTwentyKillsAtRandomPointsOfARunStillApplyEverythingExactlyOnce() throws {
        let workload = try w1(4000)
        var random = SeededRandom(seed: 20)
        let events = try startEventWorkers()
        var payments = try start("payments-worker", lanes: 2, batchSize: 50)
        let slice = (workload.commands.count + 19) / 20
        var killedMidWork = 0
        var decidedBefore = 0
        for round in 0..<20 {
            try submit(Array(workload.commands.dropFirst(round * slice).prefix(slice)))
            try waitUntilDecided(atLeast: decidedBefore + 1, upTo: .seconds(30))  // the restarted worker is deciding
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.15, using: &random))
            payments.kill()
            let submitted = Set(workload.commands.prefix((round + 1) * slice).map(\.commandId)).count
            decidedBefore = try decidedPayments()
            if decidedBefore < submitted { killedMidWork += 1 }
            if round == 10, let audit = events.first {
                audit.kill()  // the single active audit consumer too, once
                _ = try start("audit-worker")
            }
            payments = try start("payments-worker", lanes: 2, batchSize: 50)
        }
        print("killed with submitted payments still undecided: \(killedMidWork) of 20")
        XCTAssertGreaterThanOrEqual(killedMidWork, 10, "the kills landed while the worker had work in hand")
        try workbench.waitUntilComplete(workload.expected.followUps, workers: [payments], upTo: .seconds(180))
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        try assertInvariants(workload.expected)  // exactly once: transfers, audit rows, ledger verify, audit verify
    }
}
