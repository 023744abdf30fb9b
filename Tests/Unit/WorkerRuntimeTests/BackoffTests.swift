import Domain
import TestSupport
import WorkerRuntime
import XCTest

final class BackoffTests: XCTestCase {
    func testCeilingDoublesUpToTheLimitAndResetsToTheFirst() {
        var backoff = Backoff(first: 0.001, limit: 0.004)
        var ceilings: [Double] = []
        for _ in 0..<4 {
            ceilings.append(backoff.delay)
            _ = backoff.nextPause()
        }
        XCTAssertEqual(ceilings, [0.001, 0.002, 0.004, 0.004])
        backoff.reset()
        XCTAssertEqual(backoff.delay, 0.001)
    }

    /// Lanes that lost the broker together must not come back together.
    func testPausesAreJitteredWithinTheUpperHalfOfTheCeiling() {
        var random = SeededRandom(seed: 7)
        let pauses = (0..<50).map { _ in
            var backoff = Backoff(first: 1, limit: 1)
            return backoff.nextPause(using: &random)
        }
        XCTAssertTrue(pauses.allSatisfy { (0.5...1).contains($0) }, "\(pauses)")
        XCTAssertGreaterThan(Set(pauses).count, 40, "fifty lanes, fifty different pauses")
        XCTAssertGreaterThan(pauses.max()! - pauses.min()!, 0.3, "spread over the half")
    }
}
