/// `{"command_id":…,"type":"payment","payer":…,"payee":…,"amount":…,"currency":…}`
/// with optional `kind`, `memo`, `reference` (queues/schemas/command.payment.json).
public struct PaymentCommand: Sendable, Equatable {
    public let commandId: String
    public let payer: String
    public let payee: String
    public let amount: Money
    public let kind: String
    public let memo: String?
    public let reference: String?

    public static let type = "payment"
    public static let kinds: Set<String> = ["transfer", "invoice", "tip", "refund", "payout", "fee"]

    public init(commandId: String, payer: String, payee: String, amount: Money,
                kind: String = "transfer", memo: String? = nil, reference: String? = nil) {
        self.commandId = commandId
        self.payer = payer
        self.payee = payee
        self.amount = amount
        self.kind = kind
        self.memo = memo
        self.reference = reference
    }

    /// The command as JSON with sorted keys and its defaults filled in: the
    /// same command has the same bytes however its producer wrote it.
    public var canonicalBody: [UInt8] {
        var object: [String: JSONValue] = [
            "command_id": .string(commandId), "type": .string(Self.type), "payer": .string(payer), "payee": .string(payee),
            "amount": .integer(amount.minorUnits), "currency": .string(amount.currency.code), "kind": .string(kind),
        ]
        object["memo"] = memo.map(JSONValue.string)
        object["reference"] = reference.map(JSONValue.string)
        return Array(JSONValue.object(object).serialized.utf8)
    }

    /// What tells a redelivery (same digest) from a reused id (another).
    public var digest: String { ContentDigest.of(canonicalBody) }

    /// Validates a message body against the contract; the error names the
    /// first field at fault.
    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        try fields.rejectUnknown(allowed: ["command_id", "type", "payer", "payee", "amount", "currency", "kind", "memo", "reference"])
        try fields.expectType(Self.type)
        let commandId = try fields.id("command_id")
        let payer = try fields.id("payer")
        let payee = try fields.id("payee")
        let amount = try fields.amount("amount")
        let currency = try fields.currency("currency")
        let kind = try fields.optionalString("kind", maxLength: 32) ?? "transfer"
        guard Self.kinds.contains(kind) else {
            throw InvalidMessage(field: "kind", "\"\(kind)\" is not one of \(Self.kinds.sorted().joined(separator: ", "))")
        }
        self.init(commandId: commandId, payer: payer, payee: payee, amount: Money(minorUnits: amount, currency: currency),
                  kind: kind, memo: try fields.optionalString("memo", maxLength: 500),
                  reference: try fields.optionalString("reference", maxLength: 128))
    }
}
