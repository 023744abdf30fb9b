import Foundation

/// Any command of the repayments worker's queue, read by its `type`. Both
/// date themselves by the time the broker accepted them.
public enum DebtCommand: DomainCommand, Equatable {
    case open(DebtOpening)
    case repay(DebtRepayment)

    public init(body: [UInt8]) throws(InvalidMessage) {
        try self.init(body: body, acceptedAt: Date())
    }

    public init(body: [UInt8], acceptedAt: Date) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        let name = try fields.string("type", maxLength: 64)
        switch CommandType(rawValue: name) {
        case .debtOpen?: self = .open(try DebtOpening(body: body, acceptedAt: acceptedAt))
        case .debtRepayment?: self = .repay(try DebtRepayment(body: body, acceptedAt: acceptedAt))
        default: throw fields.fault("type", "is \"\(name)\", which the repayments queue does not take")
        }
    }

    public var command: any DomainCommand {
        switch self {
        case .open(let c): c
        case .repay(let c): c
        }
    }

    public var type: CommandType { command.type }
    public var commandId: String { command.commandId }
    public var canonicalFields: JSONObject { command.canonicalFields }
    public var debit: Debit? { command.debit }
}
