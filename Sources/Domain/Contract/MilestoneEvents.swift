/// `milestone.completed`: the escrow released, split into the fee and what
/// the freelancer received, and the wallet credited.
public struct MilestoneCompleted: EventData {
    public let projectId: String
    public let milestoneId: String
    public let client: String
    public let freelancer: String
    public let wallet: String
    public let release: FeeSplit

    public init(projectId: String, milestoneId: String, client: String, freelancer: String, wallet: String, release: FeeSplit) {
        (self.projectId, self.milestoneId, self.client, self.freelancer, self.wallet, self.release) =
            (projectId, milestoneId, client, freelancer, wallet, release)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        projectId = try data.id("project_id")
        milestoneId = try data.id("milestone_id")
        client = try data.id("client")
        freelancer = try data.id("freelancer")
        wallet = try data.id("wallet")
        let currency = try data.currency("currency")
        let gross = Money(minorUnits: try data.amount("gross"), currency: currency)
        let basisPoints = try data.nonNegativeAmount("fee_basis_points")
        release = FeeSplit(gross: gross, basisPoints: basisPoints)
        guard release.fee == (try data.nonNegativeAmount("fee")), release.net == (try data.nonNegativeAmount("net")) else {
            throw data.fault("fee", "fee and net do not split gross \(gross.minorUnits) at \(basisPoints) basis points")
        }
    }

    public var fields: JSONObject {
        [
            "project_id": .string(projectId), "milestone_id": .string(milestoneId), "client": .string(client),
            "freelancer": .string(freelancer), "wallet": .string(wallet), "currency": .string(release.gross.currency.code),
            "gross": .integer(release.gross.minorUnits), "fee": .integer(release.fee), "net": .integer(release.net),
            "fee_basis_points": .integer(release.basisPoints),
        ]
    }

    public var users: [String] { client == freelancer ? [client] : [client, freelancer] }
}

/// `milestone.rejected`: a completion refused, with the rule; both parties
/// of the project are told when the project is known.
public struct MilestoneRejected: EventData {
    public let projectId: String
    public let milestoneId: String
    public let completedBy: String
    public let client: String?
    public let freelancer: String?
    public let reason: String
    public let detail: String

    public init(
        projectId: String, milestoneId: String, completedBy: String, client: String?, freelancer: String?,
        reason: String, detail: String
    ) {
        (self.projectId, self.milestoneId, self.completedBy) = (projectId, milestoneId, completedBy)
        (self.client, self.freelancer, self.reason, self.detail) = (client, freelancer, reason, detail)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        projectId = try data.id("project_id")
        milestoneId = try data.id("milestone_id")
        completedBy = try data.id("completed_by")
        client = try data.optionalString("client", maxLength: MessageFields.maxIdLength)
        freelancer = try data.optionalString("freelancer", maxLength: MessageFields.maxIdLength)
        reason = try data.string("reason", maxLength: 64)
        detail = try data.string("detail")
    }

    public var fields: JSONObject {
        [
            "project_id": .string(projectId), "milestone_id": .string(milestoneId), "completed_by": .string(completedBy),
            "client": .optional(client), "freelancer": .optional(freelancer), "reason": .string(reason), "detail": .string(detail),
        ]
    }

    public var users: [String] {
        var users: [String] = []
        for user in [client, freelancer].compactMap({ $0 }) where !users.contains(user) { users.append(user) }
        return users
    }
}

/// `project.created`: a project and its milestones, each with an escrow
/// account (`escrow.<milestone_id>`) at zero; `fee_bps` null is the
/// platform's rate.
public struct ProjectCreated: EventData {
    public let command: ProjectCreation

    public init(_ command: ProjectCreation) { self.command = command }

    /// The command's id is the event's own `command_id`, not part of `data`.
    public init(_ data: MessageFields) throws(InvalidMessage) {
        try data.rejectUnknown(allowed: ProjectCreation.contentNames + ["total"])
        command = try ProjectCreation(content: data, commandId: "")
    }

    public var fields: JSONObject {
        var fields = command.canonicalFields
        fields["fee_bps"] = command.feeBasisPoints.map(JSONValue.integer) ?? .null
        fields["total"] = .integer(command.total)
        return fields
    }

    public var users: [String] { command.client == command.freelancer ? [command.client] : [command.client, command.freelancer] }

    /// By content: the event's data has no command id (the event carries it).
    public static func == (a: Self, b: Self) -> Bool { a.fields == b.fields }
}

/// `project.rejected`: a `project.create` refused; its client is told when it is a user.
public struct ProjectRejected: EventData {
    public let projectId: String
    public let client: String
    public let reason: String
    public let detail: String
    public let told: [String]

    public init(projectId: String, client: String, reason: String, detail: String, told: [String]) {
        (self.projectId, self.client, self.reason, self.detail, self.told) = (projectId, client, reason, detail, told)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        projectId = try data.id("project_id")
        client = try data.id("client_id")
        reason = try data.string("reason", maxLength: 64)
        detail = try data.string("detail")
        told = try data.bool("client_told") ? [client] : []
    }

    public var fields: JSONObject {
        [
            "project_id": .string(projectId), "client_id": .string(client), "reason": .string(reason), "detail": .string(detail),
            "client_told": .bool(!told.isEmpty),
        ]
    }

    public var users: [String] { told }
}

/// `milestone.funded`: a funding paid into a milestone's escrow, which now
/// holds `escrow` of `milestone_amount`; `fully_funded` once they are equal
/// (the milestone can then be completed). The freelancer is told then.
public struct MilestoneFunded: EventData {
    public let projectId: String
    public let milestoneId: String
    public let client: String
    public let freelancer: String
    public let wallet: String
    public let amount: Money
    public let escrow: Int64
    public let milestoneAmount: Int64

    public init(
        projectId: String, milestoneId: String, client: String, freelancer: String, wallet: String, amount: Money, escrow: Int64,
        milestoneAmount: Int64
    ) {
        (self.projectId, self.milestoneId, self.client, self.freelancer, self.wallet) = (projectId, milestoneId, client, freelancer, wallet)
        (self.amount, self.escrow, self.milestoneAmount) = (amount, escrow, milestoneAmount)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        projectId = try data.id("project_id")
        milestoneId = try data.id("milestone_id")
        client = try data.id("client")
        freelancer = try data.id("freelancer")
        wallet = try data.id("wallet")
        amount = Money(minorUnits: try data.amount("amount"), currency: try data.currency("currency"))
        escrow = try data.amount("escrow")
        milestoneAmount = try data.amount("milestone_amount")
        guard try data.bool("fully_funded") == fullyFunded else {
            throw data.fault("fully_funded", "says the opposite of escrow \(escrow) and milestone_amount \(milestoneAmount)")
        }
    }

    public var fullyFunded: Bool { escrow == milestoneAmount }

    public var fields: JSONObject {
        [
            "project_id": .string(projectId), "milestone_id": .string(milestoneId), "client": .string(client),
            "freelancer": .string(freelancer), "wallet": .string(wallet), "currency": .string(amount.currency.code),
            "amount": .integer(amount.minorUnits), "escrow": .integer(escrow), "milestone_amount": .integer(milestoneAmount),
            "fully_funded": .bool(fullyFunded),
        ]
    }

    public var users: [String] { fullyFunded && client != freelancer ? [client, freelancer] : [client] }
}

/// `milestone.cancelled`: a milestone called off by its client or an
/// operator (`by`, and for an operator the `actor` who sent it); what its
/// escrow held went back to each wallet that funded it (`returned`), in one
/// balanced posting.
public struct MilestoneCancelled: EventData {
    public struct Return: Sendable, Equatable {
        public let wallet: String
        public let amount: Int64
        public init(wallet: String, amount: Int64) { (self.wallet, self.amount) = (wallet, amount) }
    }

    public let projectId: String
    public let milestoneId: String
    public let client: String
    public let freelancer: String
    public let by: String
    public let actor: String?
    public let reason: String
    public let currency: Currency
    /// In wallet id order.
    public let returned: [Return]

    public init(
        projectId: String, milestoneId: String, client: String, freelancer: String, by: String, actor: String?, reason: String,
        currency: Currency, returned: [Return]
    ) {
        (self.projectId, self.milestoneId, self.client, self.freelancer, self.by, self.actor) = (
            projectId, milestoneId, client, freelancer, by, actor
        )
        (self.reason, self.currency, self.returned) = (reason, currency, returned)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        projectId = try data.id("project_id")
        milestoneId = try data.id("milestone_id")
        client = try data.id("client")
        freelancer = try data.id("freelancer")
        by = try data.id("by")
        actor = try data.optionalString("actor", maxLength: 200)
        reason = try data.string("reason")
        currency = try data.currency("currency")
        guard case .array(let items)? = data.values["returned"] else { throw data.fault("returned", "is required: an array") }
        var returned: [Return] = []
        for (index, item) in items.enumerated() {
            guard case .object(let object) = item else { throw data.fault("returned[\(index)]", "must be an object") }
            let r = MessageFields(object, at: "returned[\(index)]", in: data)
            returned.append(Return(wallet: try r.id("wallet"), amount: try r.amount("amount")))
        }
        self.returned = returned
        guard try data.nonNegativeAmount("total_returned") == totalReturned else {
            throw data.fault("total_returned", "is not the sum of returned")
        }
    }

    public var totalReturned: Int64 { returned.reduce(0) { $0 + $1.amount } }

    public var fields: JSONObject {
        [
            "project_id": .string(projectId), "milestone_id": .string(milestoneId), "client": .string(client),
            "freelancer": .string(freelancer), "by": .string(by), "actor": .optional(actor), "reason": .string(reason),
            "currency": .string(currency.code),
            "returned": .array(returned.map { .object(["wallet": .string($0.wallet), "amount": .integer($0.amount)]) }),
            "total_returned": .integer(totalReturned),
        ]
    }

    public var users: [String] { client == freelancer ? [client] : [client, freelancer] }
}

/// `milestone.funding_rejected` and `milestone.cancellation_rejected`: a
/// funding or a cancellation refused, with the rule; the project's client
/// is told when the project is known.
public struct MilestoneRefused: EventData {
    public let projectId: String
    public let milestoneId: String
    public let client: String?
    public let reason: String
    public let detail: String

    public init(projectId: String, milestoneId: String, client: String?, reason: String, detail: String) {
        (self.projectId, self.milestoneId, self.client, self.reason, self.detail) = (projectId, milestoneId, client, reason, detail)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        projectId = try data.id("project_id")
        milestoneId = try data.id("milestone_id")
        client = try data.optionalString("client", maxLength: MessageFields.maxIdLength)
        reason = try data.string("reason", maxLength: 64)
        detail = try data.string("detail")
    }

    public var fields: JSONObject {
        [
            "project_id": .string(projectId), "milestone_id": .string(milestoneId), "client": .optional(client),
            "reason": .string(reason), "detail": .string(detail),
        ]
    }

    public var users: [String] { client.map { [$0] } ?? [] }
}
