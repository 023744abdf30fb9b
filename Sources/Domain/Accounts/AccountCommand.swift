/// Any command of the accounts worker's queue, read by its `type`.
public enum AccountCommand: DomainCommand, Equatable {
    case open(AccountOpening)
    case deposit(Deposit)
    case withdrawal(Withdrawal)
    case withdrawalOutcome(WithdrawalOutcome)
    case statusChange(AccountStatusChange)

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        let name = try fields.string("type", maxLength: 64)
        switch CommandType(rawValue: name) {
        case .accountOpen?: self = .open(try AccountOpening(body: body))
        case .deposit?: self = .deposit(try Deposit(body: body))
        case .withdrawal?: self = .withdrawal(try Withdrawal(body: body))
        case .withdrawalSettle?, .withdrawalFail?: self = .withdrawalOutcome(try WithdrawalOutcome(body: body))
        case .accountFreeze?, .accountUnfreeze?, .accountClose?: self = .statusChange(try AccountStatusChange(body: body))
        default: throw fields.fault("type", "is \"\(name)\", which the accounts queue does not take")
        }
    }

    public var command: any DomainCommand {
        switch self {
        case .open(let c): c
        case .deposit(let c): c
        case .withdrawal(let c): c
        case .withdrawalOutcome(let c): c
        case .statusChange(let c): c
        }
    }

    public var type: CommandType { command.type }
    public var commandId: String { command.commandId }
    public var canonicalFields: JSONObject { command.canonicalFields }
    public var debit: Debit? { command.debit }
}
