import Domain
import Foundation
import XCTest

final class RandomUUIDTests: XCTestCase {
    /// Version 4, RFC 9562 variant, lower-case 8-4-4-4-12 hex, and what
    /// Foundation reads back as the same UUID.
    func testIsALowerCaseVersionFourUUID() throws {
        let pattern = try NSRegularExpression(pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        for _ in 0..<1000 {
            let id = RandomUUID.lowercased()
            XCTAssertEqual(pattern.numberOfMatches(in: id, range: NSRange(id.startIndex..., in: id)), 1, id)
            XCTAssertEqual(UUID(uuidString: id)?.uuidString.lowercased(), id)
        }
    }

    /// 122 random bits: no repeats, and every hex digit position varies.
    func testIdsDoNotRepeat() {
        let ids = (0..<10_000).map { _ in RandomUUID.lowercased() }
        XCTAssertEqual(Set(ids).count, ids.count)
        let fixed = (0..<36).filter { position in Set(ids.map { Array($0.utf8)[position] }).count == 1 }
        XCTAssertEqual(fixed, [8, 13, 14, 18, 23], "only the dashes and the version digit are the same in every id")
    }
}
