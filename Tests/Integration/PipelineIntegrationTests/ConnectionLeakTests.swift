import Foundation
import PipelineHarness
import TestSupport
import Topology
import XCTest

/// A service goes away under a running worker and comes back: the
/// lanes reconnect, and afterwards the worker holds exactly what it held
/// before — its four named broker connections, as many open descriptors.
/// (Before the fix, every reconnect attempt left a broker connection open.)
final class ConnectionLeakTests: PipelineTestCase {
    func testPostgresOutageLeavesNoBrokerConnectionOrDescriptorBehind() throws {
        try assertNothingLeaks(whileAway: "postgresql")
    }

    func testBrokerOutageLeavesNoBrokerConnectionOrDescriptorBehind() throws {
        try assertNothingLeaks(whileAway: "rabbitmq")
    }

    private func assertNothingLeaks(whileAway service: String) throws {
        let worker = try start("payments-worker", lanes: 2)
        let pid = worker.process.processIdentifier
        let expected = ["lane 0 consumer", "lane 0 publisher", "lane 1 consumer", "lane 1 publisher"]
        try waitUntilConsuming(pid: pid, roles: expected)
        let before = try openDescriptors(pid)
        let brokerBefore = try connections(of: pid).count

        try TestServices.control("stop", service)
        // Away until each lane has tried to reconnect a few times (each try
        // once left a connection behind), sampled every second.
        var during: [(descriptors: Int, connections: Int?)] = []
        let outageStarted = ContinuousClock.now
        while reconnectAttempts(worker) < 8 && ContinuousClock.now - outageStarted < .seconds(60) {
            Thread.sleep(forTimeInterval: 1)
            during.append((try openDescriptors(pid), try? connections(of: pid).count))
        }
        let away = ContinuousClock.now - outageStarted
        XCTAssertGreaterThanOrEqual(reconnectAttempts(worker), 8, "the worker saw the outage: \(worker.log.path)")
        try TestServices.control("start", service)

        try waitUntilConsuming(pid: pid, roles: expected)
        try workbench.wait(upTo: .seconds(30), for: "the worker's descriptors to come back to \(before)") { _ in
            try openDescriptors(pid) == before
        }
        let after = try openDescriptors(pid)
        XCTAssertEqual(after, before)
        XCTAssertTrue(worker.isRunning)
        print(
            """
            outage of \(service) for \(away): descriptors \(before) before, \(during.map { $0.descriptors }) during, \(after) after; \
            broker connections of the worker \(brokerBefore) before, \(during.map { $0.connections.map(String.init) ?? "-" }) during, \
            \(try connections(of: pid).count) after
            """)
    }

    private func reconnectAttempts(_ worker: RunningWorker) -> Int {
        worker.logText.components(separatedBy: "lane stopped by an error; reconnecting").count - 1
    }

    /// Waits until the broker lists exactly the worker's connections, by
    /// name, and both lanes consume.
    private func waitUntilConsuming(pid: Int32, roles: [String]) throws {
        let expected = roles.map { "payments-worker \($0) on \(ProcessInfo.processInfo.hostName) pid \(pid)" }.sorted()
        var seen: [String] = []
        do {
            try workbench.wait(upTo: .seconds(90), for: "the worker's connections") { _ in
                seen = (try? connections(of: pid).sorted()) ?? []
                guard seen == expected else { return false }
                return (try? settings.connectBroker().openChannel().inspectQueue("commands.payment").consumerCount) == 2
            }
        } catch {
            XCTFail("the broker lists \(seen), expected exactly \(expected)")
            throw error
        }
    }

    private func connections(of pid: Int32) throws -> [String] {
        let api = try XCTUnwrap(settings.managementAPI)
        return try api.connections().map(\.name).filter { $0.hasSuffix(" pid \(pid)") }
    }

    private func openDescriptors(_ pid: Int32) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }
}
