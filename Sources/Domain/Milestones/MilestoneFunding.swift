/// `milestone.fund` `{command_id, type, project_id, milestone_id,
/// from_account, amount}` (queues/schemas/command.milestone.fund.json): the
/// client pays part or all of what a milestone still misses into its escrow,
/// in the project's currency. Fundings add up to the milestone's amount.
public struct MilestoneFunding: SingleTypeCommand, Equatable {
    public static let type = CommandType.milestoneFund
    public let commandId: String
    public let projectId: String
    public let milestoneId: String
    /// One of the client's wallets.
    public let fromAccount: String
    /// Minor units of the project's currency.
    public let amount: Int64

    public init(commandId: String, projectId: String, milestoneId: String, fromAccount: String, amount: Int64) {
        (self.commandId, self.projectId, self.milestoneId, self.fromAccount, self.amount) = (
            commandId, projectId, milestoneId, fromAccount, amount
        )
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields.command(body, Self.type, ["project_id", "milestone_id", "from_account", "amount"])
        self.init(
            commandId: try fields.id("command_id"), projectId: try fields.id("project_id"), milestoneId: try fields.id("milestone_id"),
            fromAccount: try fields.id("from_account"), amount: try fields.amount("amount"))
    }

    public var canonicalFields: JSONObject {
        [
            "project_id": .string(projectId), "milestone_id": .string(milestoneId), "from_account": .string(fromAccount),
            "amount": .integer(amount),
        ]
    }
}

/// `milestone.cancel` `{command_id, type, project_id, milestone_id, by,
/// reason}` (queues/schemas/command.milestone.cancel.json): the client, or
/// an operator (`by: "operator"`), calls a milestone off; whatever its
/// escrow holds goes back to the wallets that funded it.
public struct MilestoneCancellation: SingleTypeCommand, Equatable {
    public static let type = CommandType.milestoneCancel
    /// The `by` of an operator's cancellation: over HTTP it needs the
    /// `operate` scope, and the actor who sent it is recorded.
    public static let operatorParty = "operator"
    public let commandId: String
    public let projectId: String
    public let milestoneId: String
    /// The client's user id, or `operator`.
    public let by: String
    public let reason: String
    /// Who sent an operator's cancellation (the `x-actor` header), not part of the content.
    public var actor: String?

    public init(commandId: String, projectId: String, milestoneId: String, by: String, reason: String, actor: String? = nil) {
        (self.commandId, self.projectId, self.milestoneId, self.by, self.reason, self.actor) = (
            commandId, projectId, milestoneId, by, reason, actor
        )
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields.command(body, Self.type, ["project_id", "milestone_id", "by", "reason"])
        self.init(
            commandId: try fields.id("command_id"), projectId: try fields.id("project_id"), milestoneId: try fields.id("milestone_id"),
            by: try fields.id("by"), reason: try fields.string("reason", maxLength: 500))
    }

    public var byOperator: Bool { by == Self.operatorParty }

    public var canonicalFields: JSONObject {
        ["project_id": .string(projectId), "milestone_id": .string(milestoneId), "by": .string(by), "reason": .string(reason)]
    }
}
