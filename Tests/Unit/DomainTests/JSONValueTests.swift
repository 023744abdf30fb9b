import Domain
import Foundation
import XCTest

final class JSONValueTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    func testNumbersKeepTheirKind() throws {
        XCTAssertEqual(try parse("12"), .integer(12))
        XCTAssertEqual(try parse("-5"), .integer(-5))
        XCTAssertEqual(try parse("12.5"), .number(12.5))
        XCTAssertEqual(try parse("1e3"), .number(1000))
        XCTAssertEqual(try parse("9223372036854775807"), .integer(.max))
        XCTAssertEqual(try parse("9223372036854775808"), .number(9_223_372_036_854_775_808))
        XCTAssertEqual(try parse("true"), .bool(true))
    }

    func testStringsWithEscapesAndUnicode() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#), .string("a\"b\\c/d\né😀"))
        XCTAssertEqual(try parse("\"Zürich\""), .string("Zürich"))
    }

    /// Strings are read as UTF-8 and refused when they are not.
    func testPlainStringsReadAsTheyAreAndInvalidUTF8IsRefused() throws {
        XCTAssertEqual(try parse(#""""#), .string(""))
        XCTAssertEqual(
            try parse(#"{"id":"w0001","at":"2026-11-22T18:00:00.000Z"}"#),
            .object(["id": .string("w0001"), "at": .string("2026-11-22T18:00:00.000Z")]))
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]), "an invalid UTF-8 sequence")
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xFF, 0x22]), "a byte that is never UTF-8")
    }

    func testWhatIsNotJSONIsRefused() {
        for text in [
            "", "{", "{\"a\":1,}", "[1,]", "01", "1.", "-", "\"\u{01}\"", "{'a':1}", "[1] x", "nul", "\"\\x\"",
            String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        ] {
            XCTAssertThrowsError(try parse(text), "accepted \(text)")
        }
    }

    func testSerializationIsSortedCompactAndReadsBack() throws {
        let value = JSONValue.object([
            "b": .array([.integer(1), .null, .bool(false)]), "a": .string("q\"\\\n\u{01}é"),
            "c": .number(0.5), "d": .object([:]),
        ])
        XCTAssertEqual(value.serialized, #"{"a":"q\"\\\n\u0001é","b":[1,null,false],"c":0.5,"d":{}}"#)
        XCTAssertEqual(try JSONValue.parse(Array(value.serialized.utf8)), value)
        // Foundation agrees that it is JSON.
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(value.serialized.utf8)))
    }

    /// An object's members are found by name, and a name read twice is refused
    /// whether the object is small (compared) or large (hashed past 32 members).
    func testAKeyReadTwiceIsRefusedInSmallAndLargeObjects() throws {
        for size in [2, 31, 32, 33, 200] {
            let members = (0..<size).map { #""k\#($0)":\#($0)"# }
            guard case .object(let object) = try parse("{" + members.joined(separator: ",") + "}") else { return XCTFail("not an object") }
            XCTAssertEqual(object.count, size)
            XCTAssertEqual(object["k\(size - 1)"], .integer(Int64(size - 1)))
            XCTAssertNil(object["k\(size)"])
            for repeated in [0, size - 1] {
                let text = "{" + (members + [#""k\#(repeated)":0"#]).joined(separator: ",") + "}"
                XCTAssertThrowsError(try parse(text), "\(size) members, k\(repeated) again") { error in
                    XCTAssertEqual((error as? JSONSyntaxError)?.field, "k\(repeated)")
                }
            }
        }
    }

    func testObjectsAreEqualWhateverTheOrderOfTheirMembers() throws {
        var object: JSONObject = ["a": 1, "b": "x"]
        XCTAssertEqual(object, ["b": "x", "a": 1])
        XCTAssertNotEqual(object, ["a": 1, "b": "y"])
        XCTAssertNotEqual(object, ["a": 1])
        object["a"] = nil
        object["c"] = true
        XCTAssertEqual(object, ["c": true, "b": "x"])
        XCTAssertEqual(JSONValue.object(object).serialized, #"{"b":"x","c":true}"#)
        XCTAssertEqual(object.merging(["b": "z", "d": .null]), ["b": "z", "c": true, "d": .null])
    }
}
