/// `{"command_id":…,"type":"payment","payer":…,"payee":…,"amount":…,"currency":…}`
/// with optional `kind`, `memo`, `reference` (queues/schemas/command.payment.json).
public struct PaymentCommand: SingleTypeCommand, Equatable {
    public let commandId: String
    public let payer: String
    public let payee: String
    public let amount: Money
    public let kind: String
    public let memo: String?
    public let reference: String?

    public static let type = CommandType.payment
    /// `escrow_fund` pays into a milestone's escrow: `reference` names the
    /// milestone, `payee` its escrow account.
    public static let kinds: Set<String> = ["transfer", "invoice", "tip", "refund", "payout", "fee", escrowFund]
    public static let escrowFund = "escrow_fund"

    public init(
        commandId: String, payer: String, payee: String, amount: Money,
        kind: String = "transfer", memo: String? = nil, reference: String? = nil
    ) {
        self.commandId = commandId
        self.payer = payer
        self.payee = payee
        self.amount = amount
        self.kind = kind
        self.memo = memo
        self.reference = reference
    }

    public var canonicalFields: JSONObject {
        var object: JSONObject = [
            "payer": .string(payer), "payee": .string(payee),
            "amount": .integer(amount.minorUnits), "currency": .string(amount.currency.code), "kind": .string(kind),
        ]
        object["memo"] = memo.map(JSONValue.string)
        object["reference"] = reference.map(JSONValue.string)
        return object
    }

    /// Validates a message body against the contract; the error names the
    /// first field at fault.
    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        try fields.rejectUnknown(allowed: ["command_id", "type", "payer", "payee", "amount", "currency", "kind", "memo", "reference"])
        try fields.expectType(Self.type.rawValue)
        let commandId = try fields.id("command_id")
        let payer = try fields.id("payer")
        let payee = try fields.id("payee")
        let amount = try fields.amount("amount")
        let currency = try fields.currency("currency")
        let kind = try fields.optionalString("kind", maxLength: 32) ?? "transfer"
        guard Self.kinds.contains(kind) else {
            throw InvalidMessage(field: "kind", "\"\(kind)\" is not one of \(Self.kinds.sorted().joined(separator: ", "))")
        }
        let reference = try fields.optionalString("reference", maxLength: 128)
        if kind == Self.escrowFund && reference == nil {
            throw InvalidMessage(field: "reference", "is required for kind \(Self.escrowFund): the milestone the payment funds")
        }
        self.init(
            commandId: commandId, payer: payer, payee: payee, amount: Money(minorUnits: amount, currency: currency),
            kind: kind, memo: try fields.optionalString("memo", maxLength: 500), reference: reference)
    }
}
