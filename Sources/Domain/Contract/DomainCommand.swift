/// A command of the contract, read from its body exactly as its worker
/// reads it, with the canonical form its digest is taken of.
public protocol DomainCommand: Sendable {
    static var type: CommandType { get }
    var commandId: String { get }
    /// Every field with defaults filled in.
    var canonicalFields: JSONObject { get }
    /// Validates a body against the contract; the error names the first field at fault.
    init(body: [UInt8]) throws(InvalidMessage)
}

extension DomainCommand {
    /// JSON with sorted keys: the same command has the same bytes however its
    /// producer wrote it.
    public var canonicalBody: [UInt8] {
        var fields = canonicalFields
        fields["command_id"] = .string(commandId)
        fields["type"] = .string(Self.type.rawValue)
        return JSONValue.object(fields).bytes
    }

    /// What tells a redelivery (same digest) from a reused id (another).
    public var digest: String { ContentDigest.of(canonicalBody) }
}
