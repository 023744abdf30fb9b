import XCTest

@testable import Benchmark

/// The benchmark's servers' CPU, taken process by process between two moments.
final class ServerCPUTests: XCTestCase {
    private let tick = Double(sysconf(Int32(_SC_CLK_TCK)))

    func testAProcessGoneSinceCountsNothingAndOneReapedByAServerIsCountedOnce() {
        let earlier = ServerCPU(processes: [
            1: ("postgresql", 0, 1000),  // the postmaster
            2: ("postgresql", 1, 300),  // a backend that ends meanwhile: the postmaster reaps it at 350
            3: ("rabbitmq", 99, 5000),  // a node stopped from outside
            4: ("rabbitmq", 99, 200),
        ])
        let later = ServerCPU(processes: [
            1: ("postgresql", 0, 1000 + 20 + 350),
            4: ("rabbitmq", 99, 260),
            5: ("redis", 99, 40),  // started since: counted whole
        ])
        let seconds = Dictionary(uniqueKeysWithValues: later.since(earlier))
        XCTAssertEqual(seconds["postgresql"], 70 / tick, "20 of the postmaster's own and the backend's last 50")
        XCTAssertEqual(seconds["rabbitmq"], 60 / tick, "never negative for a node that went away")
        XCTAssertEqual(seconds["redis"], 40 / tick)
    }
}
