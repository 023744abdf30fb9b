/// An operator's approval or decline of a command held above its key's
/// ceiling: written to the audit log directly, never published.
public struct CommandDecision: EventData {
    /// The deciding key's name.
    public let actor: String
    public let commandId: String
    public let commandType: String
    /// The submitting key's name.
    public let submittedBy: String
    public let debitAccount: String
    public let amount: Money
    public let reason: String?

    public init(
        actor: String, commandId: String, commandType: String, submittedBy: String, debitAccount: String, amount: Money,
        reason: String?
    ) {
        (self.actor, self.commandId, self.commandType, self.submittedBy) = (actor, commandId, commandType, submittedBy)
        (self.debitAccount, self.amount, self.reason) = (debitAccount, amount, reason)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        actor = try data.string("actor")
        commandId = try data.id("command_id")
        commandType = try data.string("command_type", maxLength: 64)
        submittedBy = try data.string("submitted_by")
        debitAccount = try data.id("debit_account")
        amount = Money(minorUnits: try data.amount("amount"), currency: try data.currency("currency"))
        reason = try data.optionalString("reason", maxLength: 500)
    }

    public var fields: JSONObject {
        var fields: JSONObject = [
            "actor": .string(actor), "command_id": .string(commandId), "command_type": .string(commandType),
            "submitted_by": .string(submittedBy), "debit_account": .string(debitAccount), "amount": .integer(amount.minorUnits),
            "currency": .string(amount.currency.code),
        ]
        fields["reason"] = reason.map(JSONValue.string)
        return fields
    }

    public var users: [String] { [] }
}
