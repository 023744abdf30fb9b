import Foundation

/// The top-level fields of a JSON message body, read with validation that
/// names the field and the problem.
public struct MessageFields: Sendable {
    public let values: [String: JSONValue]

    /// The deepest nesting the message contract has is 2 (an event's
    /// `data` and `user_ids`); 4 leaves room for structured event data.
    public static let maxDepth = 4

    public init(body: [UInt8]) throws(InvalidMessage) {
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(body, maxDepth: Self.maxDepth) } catch {
            throw InvalidMessage(field: error.field, "\(error.field == nil ? "the body " : "")\(error.problem) (byte \(error.offset))")
        }
        guard case .object(let values) = parsed else {
            throw InvalidMessage(field: nil, "the body must be a JSON object, not \(parsed.kindDescription)")
        }
        self.values = values
    }

    /// Identifiers are opaque strings of 1 to 64 characters.
    public static let maxIdLength = 64

    public func string(_ name: String, maxLength: Int = 500) throws(InvalidMessage) -> String {
        guard let value = try optionalString(name, maxLength: maxLength) else {
            throw InvalidMessage(field: name, "is required")
        }
        return value
    }

    public func optionalString(_ name: String, maxLength: Int = 500) throws(InvalidMessage) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?:
            // Characters as PostgreSQL's length() counts them (code points),
            // not Swift's grapheme clusters: "e\u{301}" is two.
            let length = text.unicodeScalars.count
            guard length <= maxLength else {
                throw InvalidMessage(field: name, "is \(length) characters long; at most \(maxLength) allowed")
            }
            // PostgreSQL text cannot hold U+0000 (and invalid UTF-8 never
            // gets this far: the reader refuses it).
            guard !text.utf8.contains(0) else {
                throw InvalidMessage(field: name, "contains U+0000 (NUL), which cannot be stored")
            }
            return text
        case let other?: throw InvalidMessage(field: name, "must be a string, not \(other.kindDescription)")
        }
    }

    public func id(_ name: String) throws(InvalidMessage) -> String {
        let value = try string(name, maxLength: Self.maxIdLength)
        guard !value.isEmpty else { throw InvalidMessage(field: name, "must not be empty") }
        return value
    }

    /// A positive whole number of minor units (cents), never a fraction.
    public func amount(_ name: String) throws(InvalidMessage) -> Int64 {
        switch values[name] {
        case nil, .null?: throw InvalidMessage(field: name, "is required")
        case .integer(let value)?:
            guard value > 0 else { throw InvalidMessage(field: name, "must be positive, got \(value)") }
            return value
        case .number(let value)?:
            throw InvalidMessage(field: name, "must be a whole number of minor units, got \(value)")
        case let other?:
            throw InvalidMessage(field: name, "must be an integer number of minor units, not \(other.kindDescription)")
        }
    }

    public func currency(_ name: String) throws(InvalidMessage) -> Currency {
        let code = try string(name, maxLength: 16)
        guard let currency = Currency(code) else {
            throw InvalidMessage(field: name, "\"\(code)\" is not an ISO 4217 currency code")
        }
        return currency
    }

    /// The body's `type` must be the one this queue carries.
    public func expectType(_ type: String) throws(InvalidMessage) {
        let actual = try string("type", maxLength: 64)
        guard actual == type else { throw InvalidMessage(field: "type", "is \"\(actual)\", this queue takes \"\(type)\"") }
    }

    /// The contract has `additionalProperties: false`: a misspelt optional
    /// field must not be silently ignored.
    public func rejectUnknown(allowed: Set<String>) throws(InvalidMessage) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw InvalidMessage(field: unknown, "is not part of the message contract")
        }
    }
}
