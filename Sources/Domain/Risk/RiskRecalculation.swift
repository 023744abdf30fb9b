/// `{"command_id":…,"type":"risk.recalculate","user_id":…,"reason":…}`
/// (queues/schemas/command.risk.recalculate.json): recompute a user's score now.
public struct RiskRecalculation: SingleTypeCommand, Equatable {
    public let commandId: String
    public let userId: String
    /// Why it was asked for (free text, kept with the score).
    public let reason: String

    public static let type = CommandType.riskRecalculate
    /// Its one rejection: no such user.
    public static let unknownUser = "unknown_user"

    public init(commandId: String, userId: String, reason: String) {
        (self.commandId, self.userId, self.reason) = (commandId, userId, reason)
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        try fields.rejectUnknown(allowed: ["command_id", "type", "user_id", "reason"])
        try fields.expectType(Self.type.rawValue)
        self.init(
            commandId: try fields.id("command_id"), userId: try fields.id("user_id"), reason: try fields.string("reason", maxLength: 200))
    }

    public var canonicalFields: JSONObject { ["user_id": .string(userId), "reason": .string(reason)] }
}
