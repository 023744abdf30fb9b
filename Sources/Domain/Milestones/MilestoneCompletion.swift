/// `{"command_id":…,"type":"milestone.complete","project_id":…,"milestone_id":…,"completed_by":…}`
/// (queues/schemas/command.milestone.complete.json): the client declares a
/// milestone done, which releases its escrow to the freelancer.
public struct MilestoneCompletion: SingleTypeCommand, Equatable {
    public let commandId: String
    public let projectId: String
    public let milestoneId: String
    /// The user completing it: must be the project's client.
    public let completedBy: String

    public static let type = CommandType.milestoneComplete

    public init(commandId: String, projectId: String, milestoneId: String, completedBy: String) {
        (self.commandId, self.projectId, self.milestoneId, self.completedBy) = (commandId, projectId, milestoneId, completedBy)
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        try fields.rejectUnknown(allowed: ["command_id", "type", "project_id", "milestone_id", "completed_by"])
        try fields.expectType(Self.type.rawValue)
        self.init(
            commandId: try fields.id("command_id"), projectId: try fields.id("project_id"),
            milestoneId: try fields.id("milestone_id"), completedBy: try fields.id("completed_by"))
    }

    public var canonicalFields: JSONObject {
        ["project_id": .string(projectId), "milestone_id": .string(milestoneId), "completed_by": .string(completedBy)]
    }
}

public enum MilestoneStatus: String, Sendable {
    /// Its escrow holds less than its amount (funding accumulates).
    case pending
    /// Its escrow holds its amount: it can be completed.
    case funded
    /// Its escrow was released.
    case completed
    /// Called off: its escrow went back to the wallets that funded it.
    case cancelled
}
