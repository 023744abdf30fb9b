/// A command of the contract, read from its body exactly as its worker
/// reads it, with the canonical form its digest is taken of.
public protocol DomainCommand: Sendable {
    /// Its `type`: the routing key it is published with.
    var type: CommandType { get }
    var commandId: String { get }
    /// Every field with defaults filled in.
    var canonicalFields: JSONObject { get }
    /// What it takes out of an account, checked against a key's limits
    /// (`KeyLimits`); nil for a command that debits no account a key could
    /// be bound to.
    var debit: Debit? { get }
    /// Validates a body against the contract; the error names the first field at fault.
    init(body: [UInt8]) throws(InvalidMessage)
}

extension DomainCommand {
    public var debit: Debit? { nil }

    /// JSON with sorted keys: the same command has the same bytes however its
    /// producer wrote it.
    public var canonicalBody: [UInt8] {
        var fields = canonicalFields
        fields["command_id"] = .string(commandId)
        fields["type"] = .string(type.rawValue)
        return JSONValue.object(fields).bytes
    }

    /// What tells a redelivery (same digest) from a reused id (another).
    public var digest: String { ContentDigest.of(canonicalBody) }
}

/// A command whose struct carries one type only (most of them).
public protocol SingleTypeCommand: DomainCommand {
    static var type: CommandType { get }
}

extension SingleTypeCommand {
    public var type: CommandType { Self.type }
}
