import Foundation
import Settings
import TestSupport
import XCTest

/// A PostgreSQL primary with a synchronous standby of the test's own (its
/// data folder and ports), and the standby promoted mid-run.
final class DatabaseFailoverTests: PipelineTestCase {
    static let folder = repositoryRoot.appendingPathComponent(".services/test-failover")
    static let environment = ["FLEXFIN_DATA_DIR": folder.path, "FLEXFIN_PG_PORT": "5443", "FLEXFIN_PG_STANDBY_PORT": "5444"]

    override func servers() throws -> ServiceSettings {
        var pair = TestServices.settings
        pair.databaseURL = "postgresql://flexfin:flexfin-local@127.0.0.1:5443,127.0.0.1:5444/flexfin?target_session_attrs=read-write"
        return pair
    }

    override func setUpWithError() throws {
        try stopPair()
        try TestServices.control("start", "postgresql", environment: Self.environment)
        try TestServices.control("start", "standby", environment: Self.environment)
        try super.setUpWithError()
    }

    override func tearDownWithError() throws {
        try super.tearDownWithError()
        try stopPair()
    }

    private func stopPair() throws {
        try TestServices.control("stop", "standby", environment: Self.environment)
        try TestServices.control("stop", "postgresql", environment: Self.environment)
        try? FileManager.default.removeItem(at: Self.folder)
    }

    func testPromotingTheStandbyAfterThePrimaryStopsMidRunLosesAndDuplicatesNothing() throws {
        let server = { try self.settings.connectDatabase().query("SELECT inet_server_port(), pg_is_in_recovery()") }
        XCTAssertEqual(try server().int(0, 0), 5443, "the primary takes the writes")
        XCTAssertEqual(
            try settings.connectDatabase().query("SHOW synchronous_standby_names").string(0, 0), "flexfin_standby",
            "a commit is acknowledged only once the standby has it")
        let workload = try w1(3000)
        let workers = [try start("payments-worker", lanes: 2, batchSize: 50)] + (try startEventWorkers())
        try submit(workload.commands)
        try waitUntilDecided(atLeast: 300)

        let stall = StallWatch(settings: settings, target: Set(workload.commands.map(\.commandId)).count)
        try TestServices.control("stop", "postgresql", environment: Self.environment)
        Thread.sleep(forTimeInterval: 2)  // an operator's (or a failover manager's) reaction
        XCTAssertTrue(workers.allSatisfy(\.isRunning), "no worker exits while there is no primary")
        try TestServices.control("promote", "standby", environment: Self.environment)

        try workbench.waitUntilComplete(workload.expected.followUps, workers: workers, upTo: .seconds(180))
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        let stalled = stall.finish()
        XCTAssertEqual(try server().int(0, 0), 5444, "the promoted standby takes the writes")
        XCTAssertEqual(try server().string(0, 1), "f")
        try assertInvariants(workload.expected)  // ledger verify and audit verify among them
        for verify in [["ledger", "verify"], ["audit", "verify"]] {
            let run = try runFlexfin(verify)
            XCTAssertEqual(run.status, 0, "\(verify.joined(separator: " ")) on the new primary: \(run.output) \(run.errors)")
        }
        XCTAssertTrue(workers.allSatisfy { $0.logText.contains("reconnecting") }, "every worker lost the primary and found the new one")
        print("database failover: primary stopped, standby promoted 2 s later; pipeline stalled at most \(stalled)")
    }
}
