@testable import WorkerRuntime
import XCTest

final class RetryPolicyTests: XCTestCase {
    private let policy = RetryPolicy(tiers: ["t1", "t10", "t60"], maxAttempts: 5)

    func testInvalidInputIsNeverRetried() {
        XCTAssertEqual(policy.decide(errorClass: .invalid, attempts: 1), .deadLetter)
    }

    func testFailuresWalkTheTiersThenRepeatTheLongestUntilTheLimit() {
        let decisions = (1...6).map { policy.decide(errorClass: .unexpected, attempts: $0) }
        XCTAssertEqual(decisions, [.retry(tier: "t1"), .retry(tier: "t10"), .retry(tier: "t60"), .retry(tier: "t60"),
                                   .deadLetter, .deadLetter])
    }

    func testNoTiersOrOneAttemptMeansStraightToTheDeadLetterQueue() {
        XCTAssertEqual(RetryPolicy(tiers: [], maxAttempts: 5).decide(errorClass: .unexpected, attempts: 1), .deadLetter)
        XCTAssertEqual(RetryPolicy(tiers: ["t1"], maxAttempts: 1).decide(errorClass: .unexpected, attempts: 1), .deadLetter)
    }
}
