import Foundation

/// A value that can be bound to a `$n` parameter. Values never become part
/// of the SQL text.
public protocol PostgresBindable {
    /// The text form, or nil for SQL NULL.
    var postgresText: String? { get }
    /// What goes on the wire; the text form unless a type says otherwise.
    var postgresParameter: PostgresParameter { get }
    /// True for text: an array of it travels as binary `text[]`.
    static var isPostgresText: Bool { get }
}

/// A parameter as libpq sends it.
public enum PostgresParameter {
    case null
    case text(String)
    /// PostgreSQL's binary format (what its `*_send` functions write).
    case binary([UInt8])
    /// Holds a U+0000, which PostgreSQL text cannot store: refused before
    /// sending (libpq would cut a C string short there).
    case holdsNUL
}

extension PostgresBindable {
    public var postgresParameter: PostgresParameter {
        guard let text = postgresText else { return .null }
        return text.utf8.contains(0) ? .holdsNUL : .text(text)
    }

    public static var isPostgresText: Bool { false }
}

extension String: PostgresBindable {
    public var postgresText: String? { self }
    public static var isPostgresText: Bool { true }
}

extension Substring: PostgresBindable {
    public var postgresText: String? { String(self) }
    public static var isPostgresText: Bool { true }
}

extension Int: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int64: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int32: PostgresBindable { public var postgresText: String? { String(self) } }
extension Bool: PostgresBindable { public var postgresText: String? { self ? "t" : "f" } }

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? { self?.postgresText }
    public static var isPostgresText: Bool { Wrapped.isPostgresText }
}

/// Arrays are what set-based statements (`unnest($1::bigint[])`, `= ANY($1)`)
/// take. Text arrays, the bulk of a batch's parameters (ids, memos, event
/// bodies), go in binary: each element is its length and its bytes, so
/// nothing is quoted here and nothing parsed by the server (`array_in` was
/// a twentieth of PostgreSQL's CPU in W1). Numbers and booleans go as a
/// text literal (`{…}`): their binary form would have to match the
/// statement's integer width.
extension Array: PostgresBindable where Element: PostgresBindable {
    public var postgresParameter: PostgresParameter {
        Element.isPostgresText ? binaryText() : postgresText.map(PostgresParameter.text) ?? .null
    }

    public var postgresText: String? {
        // Hot path (a batch binds thousands of elements): bytes, not Foundation.
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, element) in enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard let text = element.postgresText else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `array_send`'s layout: dimensions, a has-nulls flag, the element type
    /// (`text`, oid 25), each dimension's length and lower bound (1), then
    /// every element as a 4-byte length (-1 for NULL) and its bytes. All
    /// integers big-endian.
    private func binaryText() -> PostgresParameter {
        var out: [UInt8] = []
        out.reserveCapacity(20 + count * 24)
        func append(_ value: Int32) { Swift.withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) } }
        append(isEmpty ? 0 : 1)
        append(0)
        append(25)
        if !isEmpty {
            append(Int32(count))
            append(1)
        }
        for element in self {
            guard var text = element.postgresText else {
                out[7] = 1
                append(-1)
                continue
            }
            let holdsNUL = text.withUTF8 { bytes in
                append(Int32(bytes.count))
                out.append(contentsOf: bytes)
                return bytes.contains(0)
            }
            if holdsNUL { return .holdsNUL }
        }
        return .binary(out)
    }
}

extension String {
    /// This text with each U+0000 (which PostgreSQL text cannot store)
    /// written as U+FFFD: for text kept to be read by people, such as an
    /// error quoting hostile input.
    public var storableInPostgres: String {
        utf8.contains(0) ? replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : self
    }
}
