/// A Swift type a column's text form decodes into. Optional types accept
/// NULL; every other type refuses it.
public protocol PostgresDecodable {
    /// nil when the text is not a value of this type.
    init?(postgresText: String)
    /// What NULL decodes to, or nil when NULL is an error.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

extension String: PostgresDecodable {
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresDecodable {
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresDecodable {
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int32: PostgresDecodable {
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Bool: PostgresDecodable {
    public init?(postgresText: String) {
        switch postgresText {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText: String) {
        guard let value = Wrapped(postgresText: postgresText) else { return nil }
        self = .some(value)
    }

    public static var postgresNull: Self? { .some(.none) }
}

/// A string enum decodes from its raw value: `extension Status: PostgresDecodable {}`.
extension PostgresDecodable where Self: RawRepresentable, RawValue == String {
    public init?(postgresText: String) { self.init(rawValue: postgresText) }
}
