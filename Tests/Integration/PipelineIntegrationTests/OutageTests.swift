import Foundation
import Ledger
import PipelineHarness
import RedisClient
import Submission
import TestSupport
import WorkerRuntime
import XCTest

/// A service goes away mid-run and comes back: the workers ride it out by
/// themselves (never exit), lose nothing and apply nothing twice.
final class OutageTests: PipelineTestCase {
    func testPostgresStoppedForSecondsMidRunLosesAndDuplicatesNothing() throws {
        let workload = try w1(3000)
        let workers = [try start("payments-worker", lanes: 2, batchSize: 50)] + (try startEventWorkers())
        try submit(workload.commands)
        try waitUntilDecided(atLeast: 300)  // the run is under way
        try TestServices.control("stop", "postgresql")
        // Away until both lanes have failed to reconnect at least once.
        try Workbench.poll(upTo: .seconds(30), for: "the payments worker to retry without the database") {
            workers[0].logText.components(separatedBy: "reconnecting").count - 1 >= 4
        }
        XCTAssertTrue(workers.allSatisfy(\.isRunning), "no worker exits while the database is away")
        try TestServices.control("start", "postgresql")

        try workbench.waitUntilComplete(workload.expected.followUps, workers: workers, upTo: .seconds(120))
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        try assertInvariants(workload.expected)
        XCTAssertTrue(workers[0].logText.contains("reconnecting"), "the payments worker saw the outage: \(workers[0].log.path)")
    }

    func testRedisStoppedMidRunProcessingGoesOnAndTheCacheIsCorrectedWhenItReturns() throws {
        let workload = try w1(3000)
        let first = Array(workload.commands.prefix(1000))
        let rest = Array(workload.commands.dropFirst(1000))
        let payments = try start("payments-worker", lanes: 2, batchSize: 50)
        let events = try startEventWorkers()
        try submit(first)
        try waitUntilDecided(atLeast: Set(first.map(\.commandId)).count)

        // Redis goes away saving what it holds, and comes back with it: by
        // then those balances are stale.
        XCTAssertThrowsError(try settings.connectCache().command(["SHUTDOWN", "SAVE"]))
        try submit(rest)
        try waitUntilDecided(atLeast: Set(workload.commands.map(\.commandId)).count)
        XCTAssertTrue(payments.isRunning)
        let late = try XCTUnwrap(rest.last?.commandId)
        let lookup = try runFlexfin(["status", late])
        XCTAssertEqual(lookup.status, 0, lookup.errors)
        XCTAssertTrue(lookup.output.contains("source: database"), "status falls back to PostgreSQL: \(lookup.output)")

        try TestServices.control("start", "redis")
        try workbench.waitUntilComplete(workload.expected.followUps, workers: [payments] + events, upTo: .seconds(120))
        try workbench.wait(upTo: .seconds(15), for: "the lanes to find Redis back") { _ in
            payments.logText.components(separatedBy: "cache is back").count - 1 >= 2
        }
        XCTAssertTrue(payments.logText.contains("cache unavailable"))
        // A status the cache only knows as `accepted` (the outcome's write
        // was skipped) is answered from PostgreSQL.
        let cache = try settings.connectCache()
        try cache.command(["DEL", CommandStatus.key(late)])
        _ = try cache.pipeline([CommandStatus.accepted(late, at: CommandStatus.timestamp())])
        let corrected = try runFlexfin(["status", late])
        XCTAssertTrue(corrected.output.contains("source: database") && !corrected.output.contains("accepted"), corrected.output)
        try assertInvariants(workload.expected)  // includes: no cached balance differs from PostgreSQL's
        let rows = try settings.connectDatabase().query("SELECT id, balance FROM accounts WHERE kind = 'wallet' ORDER BY id")
        let cached = try settings.connectCache().pipeline(
            (0..<rows.count).map { .plain(["HGET", WalletCache.key(rows.string($0, 0)!), "balance"]) })
        XCTAssertEqual(
            (0..<rows.count).filter { cached[$0].string != rows.string($0, 1) }.count, 0,
            "every wallet is cached again, at PostgreSQL's balance")
    }

    func testBrokerRestartedMidSubmissionAndProcessingAppliesEveryConfirmedCommandOnce() throws {
        let workload = try w1(6000)
        let backlog = Array(workload.commands.prefix(5000))
        let stream = Array(workload.commands.dropFirst(5000))
        try submit(backlog)
        // One node restarted: it is back as it was once it answers, so the
        // lanes need not wait the default 20 s of quiet meant for a cluster
        // to settle before they publish again what they held.
        let quiet = ["--broker-fault-quiet-seconds", "2"]
        let workers = [try start("payments-worker", lanes: 1, batchSize: 10, arguments: quiet)] + (try startEventWorkers(arguments: quiet))
        try waitUntilDecided(atLeast: 200)  // processing is under way
        // Held (paused) with the rest of the backlog in hand until the
        // broker is down: it goes away mid-processing however fast the
        // worker would drain the backlog meanwhile (a faster worker once
        // finished it before the broker had stopped).
        XCTAssertTrue(workers[0].pause())
        let submission = HeldSubmission(stream, settings: settings, topology: topology)
        try workbench.wait(upTo: .seconds(60), for: "the submission to be under way") { _ in submission.confirmed > 0 }
        try TestServices.control("stop", "rabbitmq")
        let decidedWhileDown = try decidedPayments()
        XCTAssertLessThan(
            decidedWhileDown, Set(backlog.map(\.commandId)).count,
            "the broker went away mid-processing (\(decidedWhileDown) decided)")
        XCTAssertTrue(workers[0].resume())
        submission.resume()
        Thread.sleep(forTimeInterval: 1)
        XCTAssertLessThan(submission.confirmed, stream.count, "the broker went away mid-submission")
        try TestServices.control("start", "rabbitmq")

        XCTAssertGreaterThan(try submission.finish(), 0, "the producer lost the broker and published its unconfirmed chunk again")
        XCTAssertEqual(submission.confirmed, stream.count)
        try workbench.waitUntilComplete(workload.expected.followUps, workers: workers, upTo: .seconds(180))
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        try assertInvariants(workload.expected)
        XCTAssertTrue(workers.allSatisfy { $0.logText.contains("reconnecting") }, "every worker saw the restart and came back")
    }
}
