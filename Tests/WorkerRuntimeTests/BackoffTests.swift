import WorkerRuntime
import XCTest

final class BackoffTests: XCTestCase {
    func testDelaysDoubleUpToTheLimitAndResetToTheFirst() {
        var backoff = Backoff(first: 0.001, limit: 0.004)
        var delays: [Double] = []
        for _ in 0..<4 {
            delays.append(backoff.delay)
            backoff.pause()
        }
        XCTAssertEqual(delays, [0.001, 0.002, 0.004, 0.004])
        backoff.reset()
        XCTAssertEqual(backoff.delay, 0.001)
    }
}
