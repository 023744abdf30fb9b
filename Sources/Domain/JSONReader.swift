/// A strict JSON (RFC 8259) reader over bytes that keeps integers apart
/// from fractions. Foundation's JSONSerialization parses quickly but
/// bridging its `Any` tree costs five times the parse on Linux; messages
/// are parsed on every worker's hot path.
struct JSONReader {
    struct Failure: Error {}

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.value()
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw Failure() }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Failure() }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { throw Failure() }
        index += count
    }

    private mutating func value() throws -> JSONValue {
        switch current {
        case UInt8(ascii: "{")?: return try object()
        case UInt8(ascii: "[")?: return try array()
        case UInt8(ascii: "\"")?: return .string(try string())
        case UInt8(ascii: "t")?: try expect("true"); return .bool(true)
        case UInt8(ascii: "f")?: try expect("false"); return .bool(false)
        case UInt8(ascii: "n")?: try expect("null"); return .null
        case let byte? where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): return try number()
        default: throw Failure()
        }
    }

    private mutating func nested<T>(_ body: (inout JSONReader) throws -> T) throws -> T {
        depth += 1
        guard depth <= 64 else { throw Failure() }  // no stack exhaustion from hostile input
        defer { depth -= 1 }
        return try body(&self)
    }

    private mutating func object() throws -> JSONValue {
        try nested { reader in
            reader.index += 1
            var fields: [String: JSONValue] = [:]
            reader.skipWhitespace()
            if reader.current == UInt8(ascii: "}") { reader.index += 1; return .object(fields) }
            while true {
                reader.skipWhitespace()
                guard reader.current == UInt8(ascii: "\"") else { throw Failure() }
                let key = try reader.string()
                reader.skipWhitespace()
                guard reader.current == UInt8(ascii: ":") else { throw Failure() }
                reader.index += 1
                reader.skipWhitespace()
                fields[key] = try reader.value()
                reader.skipWhitespace()
                switch reader.current {
                case UInt8(ascii: ",")?: reader.index += 1
                case UInt8(ascii: "}")?: reader.index += 1; return .object(fields)
                default: throw Failure()
                }
            }
        }
    }

    private mutating func array() throws -> JSONValue {
        try nested { reader in
            reader.index += 1
            var items: [JSONValue] = []
            reader.skipWhitespace()
            if reader.current == UInt8(ascii: "]") { reader.index += 1; return .array(items) }
            while true {
                reader.skipWhitespace()
                items.append(try reader.value())
                reader.skipWhitespace()
                switch reader.current {
                case UInt8(ascii: ",")?: reader.index += 1
                case UInt8(ascii: "]")?: reader.index += 1; return .array(items)
                default: throw Failure()
                }
            }
        }
    }

    private mutating func string() throws -> String {
        index += 1
        let start = index
        // Fast path: no escapes, so the bytes are the string.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw Failure() }
            index += 1
        }
        var out = Array(bytes[start..<index])
        while true {
            guard let byte = current else { throw Failure() }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw Failure() }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = current else { throw Failure() }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
                default: throw Failure()
                }
            case 0..<0x20:
                throw Failure()
            default:
                out.append(byte)
            }
        }
    }

    /// `\uXXXX`, with a following `\uXXXX` for a surrogate pair.
    private mutating func unicodeEscape() throws -> [UInt8] {
        var code = try hex4()
        if (0xD800...0xDBFF).contains(code) {
            try expect("\\u")
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw Failure() }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw Failure() }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw Failure() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw Failure()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func number() throws -> JSONValue {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, (0x30...0x39).contains(first) else { throw Failure() }
        index += 1
        if first != UInt8(ascii: "0") { while let byte = current, (0x30...0x39).contains(byte) { index += 1 } }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let byte = current, (0x30...0x39).contains(byte) else { throw Failure() }
            while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let byte = current, (0x30...0x39).contains(byte) else { throw Failure() }
            while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw Failure() }
        return .number(value)  // a fraction, an exponent, or beyond 64 bits
    }
}
