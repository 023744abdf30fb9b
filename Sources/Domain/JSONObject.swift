/// A JSON object's members, in the order they were read or added, each
/// key once. The contract's objects have about a dozen members, read on
/// every worker's hot path: comparing a name with a dozen short keys costs
/// less than hashing every key into a dictionary and again to look it up
/// (a third of an event's decoding, measured with callgrind).
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Equatable {
        public let key: String
        public var value: JSONValue
    }

    public private(set) var members: [Member] = []

    /// Room for a contract object's dozen members without regrowth.
    public init() { members.reserveCapacity(12) }

    /// Keys must be distinct, as in a dictionary literal.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { Member(key: $0.0, value: $0.1) }
        assert(Set(keys).count == count, "a key appears twice in a JSON object literal")
    }

    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.map { Member(key: $0.key, value: $0.value) }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// Setting nil removes the member, as a dictionary's subscript does.
    public subscript(key: String) -> JSONValue? {
        get { index(of: key).map { members[$0].value } }
        set {
            switch (index(of: key), newValue) {
            case (let at?, let value?): members[at].value = value
            case (let at?, nil): members.remove(at: at)
            case (nil, let value?): members.append(Member(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Adds a member read from a body; false when the key is there already.
    mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        guard index(of: key) == nil else { return false }
        appendUnchecked(key, value)
        return true
    }

    /// Adds a member whose key the caller knows is new.
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }

    /// `other`'s members over these.
    public func merging(_ other: JSONObject) -> JSONObject {
        var merged = self
        for member in other.members { merged[member.key] = member.value }
        return merged
    }

    /// The members by key, for writing them in canonical order.
    var sorted: [Member] { members.sorted { $0.key < $1.key } }

    /// Equal when they hold the same members, in whatever order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count && lhs.members.allSatisfy { rhs[$0.key] == $0.value }
    }

    private func index(of key: String) -> Int? {
        // Unequal lengths are told apart without reading a byte.
        let length = key.utf8.count
        return members.firstIndex { $0.key.utf8.count == length && $0.key == key }
    }
}
