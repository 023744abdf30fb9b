/// Why bytes are not acceptable JSON, and where.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The member at fault as a dotted path from the top (`amount`,
    /// `data.memo`), when the problem is one member's.
    public let field: String?
    public let problem: String
    /// Bytes from the start of the body.
    public let offset: Int

    public var description: String { "\(field.map { "'\($0)': " } ?? "")\(problem) (byte \(offset))" }
}

/// A strict JSON (RFC 8259) reader over bytes that keeps integers apart
/// from fractions. Foundation's JSONSerialization parses quickly but
/// bridging its `Any` tree costs five times the parse on Linux; messages
/// are parsed on every worker's hot path.
///
/// Stricter than the RFC where two parsers of one money message could
/// disagree: a key that appears twice in an object, and a byte-order mark,
/// are refused rather than resolved.
struct JSONReader {
    private let bytes: [UInt8]
    private let maxDepth: Int
    private var index = 0
    private var depth = 0
    /// Keys from the top to the value being read, for error messages.
    private var path: [String] = []

    static func parse(_ bytes: [UInt8], maxDepth: Int) throws(JSONSyntaxError) -> JSONValue {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw reader.failure("starts with a byte-order mark (U+FEFF); send UTF-8 without one")
        }
        reader.skipWhitespace()
        let value = try reader.value()
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw reader.failure("has more after the end of the JSON value") }
        return value
    }

    private init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private func failure(_ problem: String, field: String? = nil) -> JSONSyntaxError {
        JSONSyntaxError(field: field ?? (path.isEmpty ? nil : path.joined(separator: ".")), problem: problem, offset: index)
    }

    /// What the reader found where it expected something else.
    private func unexpected(_ expected: String) -> JSONSyntaxError {
        guard let byte = current else { return failure("is not valid JSON: it ends where \(expected) was expected") }
        let found = (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        return failure("is not valid JSON: \(found) where \(expected) was expected")
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        for offset in 0..<count where index + offset >= bytes.count || bytes[index + offset] != literal.utf8Start[offset] {
            index += offset
            throw unexpected("\(literal)")
        }
        index += count
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        switch current {
        case UInt8(ascii: "{")?: return try object()
        case UInt8(ascii: "[")?: return try array()
        case UInt8(ascii: "\"")?: return .string(try string())
        case UInt8(ascii: "t")?:
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f")?:
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n")?:
            try expect("null")
            return .null
        case let byte? where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): return try number()
        default: throw unexpected("a value")
        }
    }

    private mutating func nested<T>(_ body: (inout JSONReader) throws(JSONSyntaxError) -> T) throws(JSONSyntaxError) -> T {
        depth += 1
        // The contract's depth; also no stack exhaustion from hostile input.
        guard depth <= maxDepth else { throw failure("is nested deeper than the \(maxDepth) levels the message contract allows") }
        defer { depth -= 1 }
        return try body(&self)
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try nested { (reader: inout JSONReader) throws(JSONSyntaxError) -> JSONValue in
            reader.index += 1
            var fields = JSONObject()
            // Past a few dozen members (no message of the contract has that
            // many), keys are also hashed: finding a repeat stays linear.
            var manyKeys: Set<String>? = nil
            reader.skipWhitespace()
            if reader.current == UInt8(ascii: "}") {
                reader.index += 1
                return .object(fields)
            }
            while true {
                reader.skipWhitespace()
                guard reader.current == UInt8(ascii: "\"") else { throw reader.unexpected("a quoted key") }
                let keyStart = reader.index
                let key = try reader.string()
                reader.skipWhitespace()
                guard reader.current == UInt8(ascii: ":") else { throw reader.unexpected("':'") }
                reader.index += 1
                reader.skipWhitespace()
                reader.path.append(key)
                let value = try reader.value()
                reader.path.removeLast()
                let isNew: Bool
                if fields.count < 32 {
                    isNew = fields.insertNew(key, value)
                } else {
                    if manyKeys == nil { manyKeys = Set(fields.keys) }
                    isNew = manyKeys!.insert(key).inserted
                    if isNew { fields.appendUnchecked(key, value) }
                }
                guard isNew else {
                    reader.index = keyStart
                    throw reader.failure(
                        "appears more than once in one object; which value is meant is ambiguous",
                        field: (reader.path + [key]).joined(separator: "."))
                }
                reader.skipWhitespace()
                switch reader.current {
                case UInt8(ascii: ",")?: reader.index += 1
                case UInt8(ascii: "}")?:
                    reader.index += 1
                    return .object(fields)
                default: throw reader.unexpected("',' or '}'")
                }
            }
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try nested { (reader: inout JSONReader) throws(JSONSyntaxError) -> JSONValue in
            reader.index += 1
            var items: [JSONValue] = []
            reader.skipWhitespace()
            if reader.current == UInt8(ascii: "]") {
                reader.index += 1
                return .array(items)
            }
            while true {
                reader.skipWhitespace()
                items.append(try reader.value())
                reader.skipWhitespace()
                switch reader.current {
                case UInt8(ascii: ",")?: reader.index += 1
                case UInt8(ascii: "]")?:
                    reader.index += 1
                    return .array(items)
                default: throw reader.unexpected("',' or ']'")
                }
            }
        }
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes, so the bytes are the string. Scanned
        // through a pointer: most of a message's bytes are in its strings.
        let (end, nonASCII) = bytes.withUnsafeBufferPointer { buffer in
            var (end, bits): (Int, UInt8) = (start, 0)
            while end < buffer.count {
                let byte = buffer[end]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                bits |= byte
                end += 1
            }
            return (end, bits & 0x80 != 0)
        }
        index = end
        if let byte = current, byte < 0x20 {
            throw failure("holds an unescaped control character 0x\(String(byte, radix: 16)) in a string")
        }
        if current == UInt8(ascii: "\""), !nonASCII {
            // ASCII is valid UTF-8 as it stands. (The generic `String(validating:)`
            // looks up type metadata per call: a tenth of a parse.)
            defer { index += 1 }
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<index]), as: UTF8.self) }
        }
        var out = Array(bytes[start..<index])
        while true {
            guard let byte = current else { throw failure("is not valid JSON: a string is not closed") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else {
                    index = start
                    throw failure("holds a string that is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = current else { throw failure("is not valid JSON: a string is not closed") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
                default:
                    index -= 1
                    throw unexpected("an escape (one of \\\"\\\\/bfnrtu)")
                }
            case 0..<0x20:
                index -= 1
                throw failure("holds an unescaped control character 0x\(String(byte, radix: 16)) in a string")
            default:
                out.append(byte)
            }
        }
    }

    /// `\uXXXX`, with a following `\uXXXX` for a surrogate pair.
    private mutating func unicodeEscape() throws(JSONSyntaxError) -> [UInt8] {
        var code = try hex4()
        if (0xD800...0xDBFF).contains(code) {
            try expect("\\u")
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw failure("holds a lone UTF-16 surrogate escape; not a character") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw failure("holds a lone UTF-16 surrogate escape; not a character") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw unexpected("four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default:
                index -= 1
                throw unexpected("a hex digit")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, (0x30...0x39).contains(first) else { throw unexpected("a digit") }
        index += 1
        if first != UInt8(ascii: "0") { while let byte = current, (0x30...0x39).contains(byte) { index += 1 } }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let byte = current, (0x30...0x39).contains(byte) else { throw unexpected("a digit") }
            while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let byte = current, (0x30...0x39).contains(byte) else { throw unexpected("a digit") }
            while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw failure("holds a number out of range") }
        return .number(value)  // a fraction, an exponent, or beyond 64 bits
    }
}
