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
        XCTAssertEqual(try parse(#"{"id":"w0001","at":"2026-11-22T18:00:00.000Z"}"#),
                       .object(["id": .string("w0001"), "at": .string("2026-11-22T18:00:00.000Z")]))
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]), "an invalid UTF-8 sequence")
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xFF, 0x22]), "a byte that is never UTF-8")
    }

    func testWhatIsNotJSONIsRefused() {
        for text in ["", "{", "{\"a\":1,}", "[1,]", "01", "1.", "-", "\"\u{01}\"", "{'a':1}", "[1] x", "nul", "\"\\x\"",
                     String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            XCTAssertThrowsError(try parse(text), "accepted \(text)")
        }
    }

    func testSerializationIsSortedCompactAndReadsBack() throws {
        let value = JSONValue.object(["b": .array([.integer(1), .null, .bool(false)]), "a": .string("q\"\\\n\u{01}é"),
                                      "c": .number(0.5), "d": .object([:])])
        XCTAssertEqual(value.serialized, #"{"a":"q\"\\\n\u0001é","b":[1,null,false],"c":0.5,"d":{}}"#)
        XCTAssertEqual(try JSONValue.parse(Array(value.serialized.utf8)), value)
        // Foundation agrees that it is JSON.
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(value.serialized.utf8)))
    }
}
