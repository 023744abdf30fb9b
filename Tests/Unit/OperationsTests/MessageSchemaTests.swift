import Domain
import Foundation
import TestSupport
import XCTest

/// queues/schemas holds a JSON Schema for every command and event of the
/// message contract (DESIGN.md), each consistent with itself.
final class MessageSchemaTests: XCTestCase {
    private let folder = repositoryRoot.appendingPathComponent("queues/schemas")

    private func schema(_ file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent(file))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], file)
    }

    func testEveryCommandAndEventHasASchemaNamingItsType() throws {
        let commands = CommandType.allCases.map(\.rawValue)
        let events = EventType.allCases.filter(\.isPublished).map(\.rawValue)
        let files = commands.map { "command.\($0).json" } + events.map { "event.\($0).json" }
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)), Set(files))
        for (type, file) in zip(commands + events, files) {
            let schema = try schema(file)
            let properties = try XCTUnwrap(schema["properties"] as? [String: Any], file)
            let required = try XCTUnwrap(schema["required"] as? [String], file)
            XCTAssertEqual((properties["type"] as? [String: Any])?["const"] as? String, type, file)
            XCTAssertTrue(Set(required).isSubset(of: properties.keys), "\(file): a required field has no definition")
            XCTAssertEqual(schema["additionalProperties"] as? Bool, false, file)
        }
    }

    func testAmountsAreIntegerMinorUnitsAndIdsAreBounded() throws {
        let payment = try XCTUnwrap(schema("command.payment.json")["properties"] as? [String: Any])
        let amount = try XCTUnwrap(payment["amount"] as? [String: Any])
        XCTAssertEqual(amount["type"] as? String, "integer")
        XCTAssertEqual(amount["minimum"] as? Int, 1)
        XCTAssertEqual((payment["currency"] as? [String: Any])?["pattern"] as? String, "^[A-Z]{3}$")
        XCTAssertEqual((payment["command_id"] as? [String: Any])?["maxLength"] as? Int, 64)
    }
}
