import Foundation
import TestSupport
import XCTest

/// `flexfin bench w1 --json` runs the real pipeline and reports its figures
/// and invariants. Speed is not asserted here (the machine is shared); the
/// shape and the invariants are.
final class BenchCommandTests: PipelineTestCase {
    func testASmallW1RunReportsItsFiguresAndHoldsEveryInvariant() throws {
        let run = try runFlexfin(["bench", "w1", "--n", "1000", "--batch-size", "100", "--json"])
        XCTAssertEqual(run.status, 0, run.errors)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], run.output)
        XCTAssertEqual(result["invariants_ok"] as? Bool, true, run.output)
        XCTAssertEqual(result["unique_commands"] as? Int, 990)
        for key in ["commands_per_second", "broker_only_per_second", "ratio", "p50_ms", "p99_ms"] {
            XCTAssertGreaterThan(result[key] as? Double ?? 0, 0, key)
        }
        let invariants = try XCTUnwrap(result["invariants"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(invariants.count, 10)
        XCTAssertEqual((result["workers"] as? [[String: Any]])?.compactMap { $0["worker"] as? String }.sorted(),
                       ["audit", "notifications", "payments", "tax"])
    }
}
