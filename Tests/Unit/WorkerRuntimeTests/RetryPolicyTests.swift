import Domain
import TestSupport
import XCTest

@testable import WorkerRuntime

final class RetryPolicyTests: XCTestCase {
    private let policy = RetryPolicy(
        tiers: [
            .init(name: "t10", ttlMilliseconds: 10_000), .init(name: "t1", ttlMilliseconds: 1000),
            .init(name: "t60", ttlMilliseconds: 60_000),
        ], maxAttempts: 5)

    private func decide(_ errorClass: FailedMessage.ErrorClass, attempts: Int, seed: UInt64 = 1) -> RetryPolicy.Decision {
        var random = SeededRandom(seed: seed)
        return policy.decide(errorClass: errorClass, attempts: attempts, using: &random)
    }

    private func tier(_ decision: RetryPolicy.Decision) -> String? {
        if case .retry(let tier, _) = decision { return tier }
        return nil
    }

    func testInvalidInputIsNeverRetried() {
        XCTAssertEqual(decide(.invalid, attempts: 1), .deadLetter)
    }

    func testTransientFailuresWalkTheTiersLikeUnexpectedOnes() {
        XCTAssertEqual((1...5).map { tier(decide(.transient, attempts: $0)) }, ["t1", "t10", "t60", "t60", nil])
    }

    func testFailuresWalkTheTiersShortestFirstThenRepeatTheLongestUntilTheLimit() {
        let decisions = (1...6).map { decide(.unexpected, attempts: $0) }
        XCTAssertEqual(decisions.map(tier), ["t1", "t10", "t60", "t60", nil, nil])
        XCTAssertEqual(decisions[4], .deadLetter)
    }

    func testDelaysAreJitteredWithinTheUpperHalfOfTheTier() {
        let delays = (UInt64(0)..<200).compactMap { seed -> Int? in
            guard case .retry(_, let delay) = decide(.unexpected, attempts: 2, seed: seed) else { return nil }
            return delay
        }
        XCTAssertEqual(delays.count, 200)
        XCTAssertTrue(delays.allSatisfy { (5000...10_000).contains($0) }, "\(delays.filter { !(5000...10_000).contains($0) })")
        XCTAssertGreaterThan(Set(delays).count, 150, "spread out, not one value")
        XCTAssertLessThan(delays.min()!, 6000)
        XCTAssertGreaterThan(delays.max()!, 9000)
    }

    func testNoTiersOrOneAttemptMeansStraightToTheDeadLetterQueue() {
        var random = SeededRandom(seed: 1)
        XCTAssertEqual(RetryPolicy(tiers: [], maxAttempts: 5).decide(errorClass: .unexpected, attempts: 1, using: &random), .deadLetter)
        XCTAssertEqual(
            RetryPolicy(tiers: [.init(name: "t1", ttlMilliseconds: 1000)], maxAttempts: 1)
                .decide(errorClass: .unexpected, attempts: 1, using: &random), .deadLetter)
    }
}
