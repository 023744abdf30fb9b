import Domain
import Foundation
import TestSupport
import XCTest

/// Every rejection a command can end in is one its type declares, and the
/// OpenAPI document and the README list each, by command type.
final class RejectionReasonTests: XCTestCase {
    private let declared = Set(CommandType.allCases.flatMap(\.rejectionReasons))

    func testEveryReasonOfEveryPlanIsDeclaredByACommandType() {
        let decided = Set(
            PaymentRejection.allCases.map(\.rawValue) + MilestoneRejection.allCases.map(\.rawValue)
                + RepaymentRejection.allCases.map(\.rawValue) + AccountRejection.allCases.map(\.rawValue)
                + ProjectRejection.allCases.map(\.rawValue) + DebtOpeningRejection.allCases.map(\.rawValue) + [
                    RiskRecalculation.unknownUser
                ])
        XCTAssertEqual(declared, decided)
    }

    func testTheOpenAPIDocumentListsEveryReason() throws {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Sources/API/Resources/openapi.json"))
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let schemas = try XCTUnwrap((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let listed = try XCTUnwrap((schemas["RejectionReason"] as? [String: Any])?["enum"] as? [String])
        XCTAssertEqual(Set(listed), declared)
        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        let post = try XCTUnwrap((paths["/v1/commands"] as? [String: Any])?["post"] as? [String: Any])
        let body = try XCTUnwrap(
            (((post["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                as? [String: Any])
        XCTAssertEqual(
            ((body["properties"] as? [String: Any])?["type"] as? [String: Any])?["enum"] as? [String], CommandType.allCases.map(\.rawValue))
    }

    /// The README's table: one row per command type, naming each of its reasons.
    func testTheReadmeListsEachTypesReasons() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }
        for type in CommandType.allCases {
            let row = try XCTUnwrap(
                rows.first { $0.contains("`\(type.rawValue)`") && $0.contains("_") }, "no README row for \(type.rawValue)")
            for reason in type.rejectionReasons {
                XCTAssertTrue(row.contains("`\(reason)`"), "README: \(type.rawValue)'s row lacks \(reason)")
            }
        }
    }
}
