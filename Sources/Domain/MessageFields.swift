import Foundation

/// The top-level fields of a JSON message body, read with validation that
/// names the field and the problem.
public struct MessageFields: Sendable {
    public let values: JSONObject
    /// Where these fields sit in the body (`data` for an event's payload):
    /// errors name `data.amount`, not a bare `amount`.
    private let path: String?

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
        self.path = nil
    }

    /// The fields of a nested object, e.g. an event's `data`.
    public init(object name: String, of parent: MessageFields) throws(InvalidMessage) {
        guard case .object(let values)? = parent.values[name] else {
            throw parent.fault(name, "must be an object")
        }
        self.values = values
        self.path = parent.qualified(name)
    }

    /// The fields of an object inside an array of `parent`, e.g. `milestones[0]`.
    init(_ values: JSONObject, at name: String, in parent: MessageFields) {
        self.values = values
        self.path = parent.qualified(name)
    }

    private func qualified(_ name: String) -> String { path.map { "\($0).\(name)" } ?? name }

    public func fault(_ name: String, _ problem: String) -> InvalidMessage { InvalidMessage(field: qualified(name), problem) }

    /// Identifiers are opaque strings of 1 to 64 characters.
    public static let maxIdLength = 64

    public func string(_ name: String, maxLength: Int = 500) throws(InvalidMessage) -> String {
        guard let value = try optionalString(name, maxLength: maxLength) else {
            throw fault(name, "is required")
        }
        return value
    }

    public func optionalString(_ name: String, maxLength: Int = 500) throws(InvalidMessage) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?:
            if let length = Self.length(of: text, over: maxLength) {
                throw fault(name, "is \(length) characters long; at most \(maxLength) allowed")
            }
            // PostgreSQL text cannot hold U+0000 (and invalid UTF-8 never
            // gets this far: the reader refuses it).
            guard !Self.holdsNUL(text) else {
                throw fault(name, "contains U+0000 (NUL), which cannot be stored")
            }
            return text
        case let other?: throw fault(name, "must be a string, not \(other.kindDescription)")
        }
    }

    public func id(_ name: String) throws(InvalidMessage) -> String {
        let value = try string(name, maxLength: Self.maxIdLength)
        guard !value.isEmpty else { throw fault(name, "must not be empty") }
        return value
    }

    /// A positive whole number of minor units (cents), never a fraction.
    public func amount(_ name: String) throws(InvalidMessage) -> Int64 {
        switch values[name] {
        case nil, .null?: throw fault(name, "is required")
        case .integer(let value)?:
            guard value > 0 else { throw fault(name, "must be positive, got \(value)") }
            return value
        case .number(let value)?:
            throw fault(name, "must be a whole number of minor units, got \(value)")
        case let other?:
            throw fault(name, "must be an integer number of minor units, not \(other.kindDescription)")
        }
    }

    /// A whole number of minor units that may be zero (an interest part, a
    /// fee, what remains of a debt).
    public func nonNegativeAmount(_ name: String) throws(InvalidMessage) -> Int64 {
        guard case .integer(let value)? = values[name] else {
            throw fault(name, values[name] == nil ? "is required" : "must be an integer number of minor units")
        }
        guard value >= 0 else { throw fault(name, "must not be negative, got \(value)") }
        return value
    }

    public func bool(_ name: String) throws(InvalidMessage) -> Bool {
        guard case .bool(let value)? = values[name] else {
            throw fault(name, values[name] == nil ? "is required" : "must be true or false")
        }
        return value
    }

    /// An array of ids, e.g. `user_ids`.
    public func ids(_ name: String, maxLength: Int = maxIdLength) throws(InvalidMessage) -> [String] {
        guard case .array(let items)? = values[name] else { throw fault(name, "must be an array") }
        var ids: [String] = []
        for item in items {
            guard case .string(let id) = item, !id.isEmpty, Self.length(of: id, over: maxLength) == nil, !Self.holdsNUL(id) else {
                throw fault(name, "must hold ids of 1 to \(maxLength) characters")
            }
            ids.append(id)
        }
        return ids
    }

    public func currency(_ name: String) throws(InvalidMessage) -> Currency {
        let code = try string(name, maxLength: 16)
        guard let currency = Currency(code) else {
            throw fault(name, "\"\(code)\" is not an ISO 4217 currency code")
        }
        return currency
    }

    /// The body's `type` must be the one this queue carries.
    public func expectType(_ type: String) throws(InvalidMessage) {
        let actual = try string("type", maxLength: 64)
        guard actual == type else { throw fault("type", "is \"\(actual)\", this queue takes \"\(type)\"") }
    }

    /// The length in characters as PostgreSQL's length() counts them (code
    /// points, not Swift's grapheme clusters: "e\u{301}" is two), when it is
    /// over `limit`; nil when it is not. Never more than the UTF-8 bytes, so
    /// counted only when those are too many.
    private static func length(of text: String, over limit: Int) -> Int? {
        guard text.utf8.count > limit else { return nil }
        let length = text.unicodeScalars.count
        return length > limit ? length : nil
    }

    /// Searched as memory (`memchr`), not element by element.
    private static func holdsNUL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false }
    }

    /// The contract has `additionalProperties: false`: a misspelt optional
    /// field must not be silently ignored.
    /// `allowed` is a handful of names, searched in place: cheaper than
    /// hashing them into a set per message. The first unknown name in
    /// sorted order is named, whatever order the body has.
    public func rejectUnknown(allowed: [String]) throws(InvalidMessage) {
        if let unknown = values.keys.filter({ !allowed.contains($0) }).min() {
            throw fault(unknown, "is not part of the message contract")
        }
    }
}
