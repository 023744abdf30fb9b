/// `account.open` `{command_id, type, account_id, user_id, currency, purpose}`:
/// a wallet at balance 0 (queues/schemas/command.account.open.json).
public struct AccountOpening: SingleTypeCommand, Equatable {
    public static let type = CommandType.accountOpen
    public let commandId: String
    public let accountId: String
    public let userId: String
    public let currency: Currency
    public let purpose: AccountPurpose

    public init(commandId: String, accountId: String, userId: String, currency: Currency, purpose: AccountPurpose) {
        (self.commandId, self.accountId, self.userId, self.currency, self.purpose) = (commandId, accountId, userId, currency, purpose)
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields.command(body, Self.type, ["account_id", "user_id", "currency", "purpose"])
        let purpose = try fields.string("purpose", maxLength: 16)
        guard let known = AccountPurpose(rawValue: purpose) else {
            throw fields.fault("purpose", "\"\(purpose)\" is not one of \(AccountPurpose.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(
            commandId: try fields.id("command_id"), accountId: try fields.id("account_id"), userId: try fields.id("user_id"),
            currency: try fields.currency("currency"), purpose: known)
    }

    public var canonicalFields: JSONObject {
        [
            "account_id": .string(accountId), "user_id": .string(userId), "currency": .string(currency.code),
            "purpose": .string(purpose.rawValue),
        ]
    }
}

/// `deposit` `{command_id, type, account, amount, currency, gateway, external_id}`:
/// money in from a payment gateway, whose `(gateway, external_id)` credits once.
public struct Deposit: SingleTypeCommand, Equatable {
    public static let type = CommandType.deposit
    public let commandId: String
    public let account: String
    public let amount: Money
    public let gateway: String
    /// The gateway's id of the payment: unique per gateway, for ever.
    public let externalId: String

    public init(commandId: String, account: String, amount: Money, gateway: String, externalId: String) {
        (self.commandId, self.account, self.amount, self.gateway, self.externalId) = (commandId, account, amount, gateway, externalId)
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields.command(body, Self.type, ["account", "amount", "currency", "gateway", "external_id"])
        self.init(
            commandId: try fields.id("command_id"), account: try fields.id("account"),
            amount: Money(minorUnits: try fields.amount("amount"), currency: try fields.currency("currency")),
            gateway: try fields.systemAccountName("gateway"), externalId: try fields.string("external_id", maxLength: 128))
    }

    public var canonicalFields: JSONObject {
        [
            "account": .string(account), "amount": .integer(amount.minorUnits), "currency": .string(amount.currency.code),
            "gateway": .string(gateway), "external_id": .string(externalId),
        ]
    }
}

/// `withdrawal` `{command_id, type, account, amount, currency, gateway, destination}`:
/// the first phase of money out. The amount leaves the wallet for the
/// gateway's payout account at once; a `withdrawal.settle` or
/// `withdrawal.fail` (naming this command's id) decides where it ends.
public struct Withdrawal: SingleTypeCommand, Equatable {
    public static let type = CommandType.withdrawal
    public let commandId: String
    public let account: String
    public let amount: Money
    public let gateway: String
    /// Where the gateway pays out (a bank account's reference): passed on, never read.
    public let destination: String

    public init(commandId: String, account: String, amount: Money, gateway: String, destination: String) {
        (self.commandId, self.account, self.amount, self.gateway, self.destination) = (commandId, account, amount, gateway, destination)
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields.command(body, Self.type, ["account", "amount", "currency", "gateway", "destination"])
        self.init(
            commandId: try fields.id("command_id"), account: try fields.id("account"),
            amount: Money(minorUnits: try fields.amount("amount"), currency: try fields.currency("currency")),
            gateway: try fields.systemAccountName("gateway"), destination: try fields.string("destination", maxLength: 128))
    }

    public var canonicalFields: JSONObject {
        [
            "account": .string(account), "amount": .integer(amount.minorUnits), "currency": .string(amount.currency.code),
            "gateway": .string(gateway), "destination": .string(destination),
        ]
    }
}

/// `withdrawal.settle` `{command_id, type, withdrawal_id, external_id}` and
/// `withdrawal.fail` `{command_id, type, withdrawal_id, reason}`: the
/// gateway's answer to a pending withdrawal, final either way.
public struct WithdrawalOutcome: DomainCommand, Equatable {
    public enum Decision: Sendable, Equatable {
        /// Paid out: the gateway's reference of the payout.
        case settle(externalId: String)
        /// Not paid out: why, as the gateway said it.
        case fail(reason: String)
    }

    public let commandId: String
    public let withdrawalId: String
    public let decision: Decision

    public init(commandId: String, withdrawalId: String, decision: Decision) {
        (self.commandId, self.withdrawalId, self.decision) = (commandId, withdrawalId, decision)
    }

    public var type: CommandType {
        switch decision {
        case .settle: .withdrawalSettle
        case .fail: .withdrawalFail
        }
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        let type = try fields.string("type", maxLength: 64)
        let decisionField = type == CommandType.withdrawalSettle.rawValue ? "external_id" : "reason"
        try fields.rejectUnknown(allowed: ["command_id", "type", "withdrawal_id", decisionField])
        guard type == CommandType.withdrawalSettle.rawValue || type == CommandType.withdrawalFail.rawValue else {
            throw fields.fault("type", "is \"\(type)\", expected withdrawal.settle or withdrawal.fail")
        }
        let decision: Decision =
            decisionField == "external_id"
            ? .settle(externalId: try fields.string("external_id", maxLength: 128)) : .fail(reason: try fields.string("reason"))
        self.init(commandId: try fields.id("command_id"), withdrawalId: try fields.id("withdrawal_id"), decision: decision)
    }

    public var canonicalFields: JSONObject {
        switch decision {
        case .settle(let externalId): ["withdrawal_id": .string(withdrawalId), "external_id": .string(externalId)]
        case .fail(let reason): ["withdrawal_id": .string(withdrawalId), "reason": .string(reason)]
        }
    }
}

/// `account.freeze`, `account.unfreeze` and `account.close`
/// `{command_id, type, account, reason}`: operators' commands.
public struct AccountStatusChange: DomainCommand, Equatable {
    public let commandId: String
    public let type: CommandType
    public let account: String
    public let reason: String
    /// Who sent it: not part of its content (a resubmission by another
    /// operator is the same command), read from the message by the worker.
    public var actor: String?

    public static let types: [CommandType] = [.accountFreeze, .accountUnfreeze, .accountClose]

    public init(commandId: String, type: CommandType, account: String, reason: String) {
        precondition(Self.types.contains(type), "\(type) is not a status change")
        (self.commandId, self.type, self.account, self.reason) = (commandId, type, account, reason)
    }

    /// The status it asks for.
    public var target: AccountStatus {
        switch type {
        case .accountFreeze: .frozen
        case .accountClose: .closed
        default: .open
        }
    }

    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        try fields.rejectUnknown(allowed: ["command_id", "type", "account", "reason"])
        let name = try fields.string("type", maxLength: 64)
        guard let type = CommandType(rawValue: name), Self.types.contains(type) else {
            throw fields.fault("type", "is \"\(name)\", expected one of \(Self.types.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(
            commandId: try fields.id("command_id"), type: type, account: try fields.id("account"), reason: try fields.string("reason"))
    }

    public var canonicalFields: JSONObject { ["account": .string(account), "reason": .string(reason)] }

    public static func == (a: Self, b: Self) -> Bool { a.digest == b.digest }
}

extension MessageFields {
    /// A command's fields: known names only, and the `type` expected.
    static func command(_ body: [UInt8], _ type: CommandType, _ names: [String]) throws(InvalidMessage) -> MessageFields {
        let fields = try MessageFields(body: body)
        try fields.rejectUnknown(allowed: ["command_id", "type"] + names)
        try fields.expectType(type.rawValue)
        return fields
    }
}
