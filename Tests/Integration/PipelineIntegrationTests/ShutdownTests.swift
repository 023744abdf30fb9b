import Foundation
import XCTest

/// SIGTERM is a deploy, not a fault: the worker stops taking work,
/// finishes and acknowledges what it had been delivered, publishes its
/// events, exits 0 promptly, and leaves the rest in the queue, untouched.
final class ShutdownTests: PipelineTestCase {
    func testSIGTERMMidRunFinishesWhatItWasDeliveredExitsZeroAndLeavesTheRestUntouched() throws {
        let workload = try w1(3000)
        try submit(workload.commands)
        let events = try startEventWorkers()
        let payments = try start("payments-worker", lanes: 2, batchSize: 100)
        try waitUntilDecided(atLeast: 300)  // the run is under way

        let asked = ContinuousClock.now
        let summary = try payments.stop()  // SIGTERM; throws unless it exited 0 with its statistics
        XCTAssertLessThan(ContinuousClock.now - asked, .seconds(10), "stops within the bound")
        XCTAssertGreaterThan(summary.batches, 0)
        XCTAssertLessThan(
            try decidedPayments(), workload.expected.unique,
            "stopped mid-run")
        XCTAssertEqual(try count("SELECT count(*) FROM outbox"), 0, "its events were published and marked before it exited")
        XCTAssertGreaterThan(try readyMessages("commands.payment"), 0, "the rest is still in the queue")
        // What it had been delivered it finished: nothing was handed back
        // (a handed-back message would come first, marked redelivered).
        let next = try XCTUnwrap(settings.connectBroker().openChannel().get("commands.payment", autoAck: false))
        XCTAssertFalse(next.redelivered, "no delivery returned with one more count toward the delivery limit")
        for queue in ["commands.payment.dlq"] + topology.retry.tiers.map(\.name) {
            XCTAssertEqual(try readyMessages(queue), 0, "\(queue): nothing was marked failed on the way out")
        }

        let successor = try start("payments-worker", lanes: 2, batchSize: 100)
        try workbench.waitUntilComplete(workload.expected.followUps, workers: [successor] + events, upTo: .seconds(120))
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        try assertInvariants(workload.expected)
    }
}
