/// Any command of the milestones worker's queue, read by its `type`.
public enum MilestoneCommand: DomainCommand, Equatable {
    case create(ProjectCreation)
    case fund(MilestoneFunding)
    case complete(MilestoneCompletion)
    case cancel(MilestoneCancellation)

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        let name = try fields.string("type", maxLength: 64)
        switch CommandType(rawValue: name) {
        case .projectCreate?: self = .create(try ProjectCreation(body: body))
        case .milestoneFund?: self = .fund(try MilestoneFunding(body: body))
        case .milestoneComplete?: self = .complete(try MilestoneCompletion(body: body))
        case .milestoneCancel?: self = .cancel(try MilestoneCancellation(body: body))
        default: throw fields.fault("type", "is \"\(name)\", which the milestones queue does not take")
        }
    }

    public var command: any DomainCommand {
        switch self {
        case .create(let c): c
        case .fund(let c): c
        case .complete(let c): c
        case .cancel(let c): c
        }
    }

    public var type: CommandType { command.type }
    public var commandId: String { command.commandId }
    public var canonicalFields: JSONObject { command.canonicalFields }
    public var debit: Debit? { command.debit }
}
