/// `project.create` `{command_id, type, project_id, client_id, freelancer_id,
/// currency, fee_bps?, payout_account, milestones: [{milestone_id, title,
/// amount, due_date?}]}` (queues/schemas/command.project.create.json): a
/// project between a client and a freelancer, with 1 to 50 milestones, each
/// with an escrow account of its own.
public struct ProjectCreation: SingleTypeCommand, Equatable {
    public struct Milestone: Sendable, Equatable {
        public let id: String
        public let title: String
        public let amount: Int64
        public let dueDate: CalendarDay?

        public init(id: String, title: String, amount: Int64, dueDate: CalendarDay? = nil) {
            (self.id, self.title, self.amount, self.dueDate) = (id, title, amount, dueDate)
        }
    }

    public static let type = CommandType.projectCreate
    public static let maxMilestones = 50
    /// A milestone's escrow account is `escrow.<id>`, an account id of at most 64.
    public static let maxMilestoneIdLength = MessageFields.maxIdLength - "escrow.".count

    public let commandId: String
    public let projectId: String
    public let client: String
    public let freelancer: String
    public let currency: Currency
    /// nil: the platform's rate, read at each release.
    public let feeBasisPoints: Int64?
    /// The freelancer's wallet every release of the project pays into.
    public let payoutAccount: String
    public let milestones: [Milestone]

    public init(
        commandId: String, projectId: String, client: String, freelancer: String, currency: Currency, feeBasisPoints: Int64? = nil,
        payoutAccount: String, milestones: [Milestone]
    ) {
        (self.commandId, self.projectId, self.client, self.freelancer, self.currency) = (commandId, projectId, client, freelancer, currency)
        (self.feeBasisPoints, self.payoutAccount, self.milestones) = (feeBasisPoints, payoutAccount, milestones)
    }

    /// The fields of its content, in a command body and a `project.created` event's data alike.
    static let contentNames = ["project_id", "client_id", "freelancer_id", "currency", "fee_bps", "payout_account", "milestones"]

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields.command(body, Self.type, Self.contentNames)
        try self.init(content: fields, commandId: try fields.id("command_id"))
    }

    /// Reads the content fields (the caller has refused unknown ones).
    init(content fields: MessageFields, commandId: String) throws(InvalidMessage) {
        var fee: Int64?
        if fields.values["fee_bps"] != nil, fields.values["fee_bps"] != .null {
            let bps = try fields.nonNegativeAmount("fee_bps")
            guard bps <= 10_000 else { throw fields.fault("fee_bps", "must be 0 to 10000 basis points, got \(bps)") }
            fee = bps
        }
        guard case .array(let items)? = fields.values["milestones"] else { throw fields.fault("milestones", "is required: an array") }
        guard (1...Self.maxMilestones).contains(items.count) else {
            throw fields.fault("milestones", "must hold 1 to \(Self.maxMilestones) milestones, not \(items.count)")
        }
        var milestones: [Milestone] = []
        for (index, item) in items.enumerated() {
            let name = "milestones[\(index)]"
            guard case .object(let object) = item else { throw fields.fault(name, "must be an object") }
            let m = MessageFields(object, at: name, in: fields)
            try m.rejectUnknown(allowed: ["milestone_id", "title", "amount", "due_date"])
            let id = try m.id("milestone_id")
            guard id.unicodeScalars.count <= Self.maxMilestoneIdLength else {
                throw m.fault("milestone_id", "is longer than \(Self.maxMilestoneIdLength) characters (its escrow account is escrow.<id>)")
            }
            guard !milestones.contains(where: { $0.id == id }) else { throw m.fault("milestone_id", "\"\(id)\" appears twice") }
            var due: CalendarDay?
            if let text = try m.optionalString("due_date", maxLength: 10) {
                guard let day = CalendarDay(iso: text) else { throw m.fault("due_date", "\"\(text)\" is not a date (YYYY-MM-DD)") }
                due = day
            }
            milestones.append(
                Milestone(id: id, title: try m.string("title", maxLength: 200), amount: try m.amount("amount"), dueDate: due))
        }
        self.init(
            commandId: commandId, projectId: try fields.id("project_id"), client: try fields.id("client_id"),
            freelancer: try fields.id("freelancer_id"), currency: try fields.currency("currency"), feeBasisPoints: fee,
            payoutAccount: try fields.id("payout_account"), milestones: milestones)
    }

    public var canonicalFields: JSONObject {
        var fields: JSONObject = [
            "project_id": .string(projectId), "client_id": .string(client), "freelancer_id": .string(freelancer),
            "currency": .string(currency.code), "payout_account": .string(payoutAccount),
            "milestones": .array(milestones.map(\.json)),
        ]
        fields["fee_bps"] = feeBasisPoints.map(JSONValue.integer)
        return fields
    }

    /// The project's total: what its client escrows in all.
    public var total: Int64 { milestones.reduce(0) { $0 + $1.amount } }
}

extension ProjectCreation.Milestone {
    var json: JSONValue {
        var fields: JSONObject = ["milestone_id": .string(id), "title": .string(title), "amount": .integer(amount)]
        fields["due_date"] = dueDate.map { .string($0.iso) }
        return .object(fields)
    }
}
