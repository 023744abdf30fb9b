/// `account.opened`: a wallet opened by `account.open`.
public struct AccountOpened: EventData {
    public let account: String
    public let userId: String
    public let currency: Currency
    public let purpose: AccountPurpose

    public init(account: String, userId: String, currency: Currency, purpose: AccountPurpose) {
        (self.account, self.userId, self.currency, self.purpose) = (account, userId, currency, purpose)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        account = try data.id("account")
        userId = try data.id("user_id")
        currency = try data.currency("currency")
        purpose = try data.purpose("purpose")
    }

    public var fields: JSONObject {
        ["account": .string(account), "user_id": .string(userId), "currency": .string(currency.code), "purpose": .string(purpose.rawValue)]
    }

    public var users: [String] { [userId] }
}

/// `deposit.completed`: money in from a gateway. `purpose` is the wallet's
/// (personal when it has none): tax counts the deposit by it.
public struct DepositCompleted: EventData {
    public let account: String
    public let userId: String
    public let amount: Money
    public let gateway: String
    public let externalId: String
    public let purpose: AccountPurpose

    public init(_ deposit: Deposit, userId: String, purpose: AccountPurpose) {
        (account, amount, gateway, externalId) = (deposit.account, deposit.amount, deposit.gateway, deposit.externalId)
        (self.userId, self.purpose) = (userId, purpose)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        account = try data.id("account")
        userId = try data.id("user_id")
        amount = Money(minorUnits: try data.amount("amount"), currency: try data.currency("currency"))
        gateway = try data.systemAccountName("gateway")
        externalId = try data.string("external_id", maxLength: 128)
        purpose = try data.purpose("purpose")
    }

    public var fields: JSONObject {
        [
            "account": .string(account), "user_id": .string(userId), "amount": .integer(amount.minorUnits),
            "currency": .string(amount.currency.code), "gateway": .string(gateway), "external_id": .string(externalId),
            "purpose": .string(purpose.rawValue),
        ]
    }

    public var users: [String] { [userId] }
}

/// `withdrawal.requested`, `withdrawal.settled` and `withdrawal.failed`: a
/// withdrawal (by its id, the command that requested it) at each phase.
/// `external_id` is set once settled, `reason` once failed.
public struct WithdrawalFacts: EventData {
    public let withdrawalId: String
    public let account: String
    public let userId: String
    public let amount: Money
    public let gateway: String
    public let destination: String
    public let externalId: String?
    public let reason: String?

    public init(
        withdrawalId: String, account: String, userId: String, amount: Money, gateway: String, destination: String,
        externalId: String? = nil, reason: String? = nil
    ) {
        (self.withdrawalId, self.account, self.userId, self.amount) = (withdrawalId, account, userId, amount)
        (self.gateway, self.destination, self.externalId, self.reason) = (gateway, destination, externalId, reason)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        withdrawalId = try data.id("withdrawal_id")
        account = try data.id("account")
        userId = try data.id("user_id")
        amount = Money(minorUnits: try data.amount("amount"), currency: try data.currency("currency"))
        gateway = try data.systemAccountName("gateway")
        destination = try data.string("destination", maxLength: 128)
        externalId = try data.optionalString("external_id", maxLength: 128)
        reason = try data.optionalString("reason")
    }

    public var fields: JSONObject {
        [
            "withdrawal_id": .string(withdrawalId), "account": .string(account), "user_id": .string(userId),
            "amount": .integer(amount.minorUnits), "currency": .string(amount.currency.code), "gateway": .string(gateway),
            "destination": .string(destination), "external_id": .optional(externalId), "reason": .optional(reason),
        ]
    }

    public var users: [String] { [userId] }
}

/// `account.frozen`, `account.unfrozen` and `account.closed`: an operator's
/// command applied, with who sent it (the audit log's record of the actor).
public struct AccountStatusChanged: EventData {
    public let account: String
    public let userId: String
    public let status: AccountStatus
    public let reason: String
    public let actor: String

    public init(account: String, userId: String, status: AccountStatus, reason: String, actor: String) {
        (self.account, self.userId, self.status, self.reason, self.actor) = (account, userId, status, reason, actor)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        account = try data.id("account")
        userId = try data.id("user_id")
        let name = try data.string("status", maxLength: 16)
        guard let status = AccountStatus(rawValue: name) else { throw data.fault("status", "\"\(name)\" is not an account status") }
        self.status = status
        reason = try data.string("reason")
        actor = try data.string("actor", maxLength: 200)
    }

    public var fields: JSONObject {
        [
            "account": .string(account), "user_id": .string(userId), "status": .string(status.rawValue), "reason": .string(reason),
            "actor": .string(actor),
        ]
    }

    public var users: [String] { [userId] }
}

/// `account.rejected`, `deposit.rejected` and `withdrawal.rejected`: a
/// command of the accounts worker refused, with the rule and the command's
/// type; the account's owner is told when there is one.
public struct AccountCommandRejected: EventData {
    public let commandType: CommandType
    public let account: String?
    public let userId: String?
    public let amount: Money?
    public let reason: String
    public let detail: String

    public init(commandType: CommandType, account: String?, userId: String?, amount: Money?, reason: String, detail: String) {
        (self.commandType, self.account, self.userId, self.amount) = (commandType, account, userId, amount)
        (self.reason, self.detail) = (reason, detail)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        let name = try data.string("command_type", maxLength: 64)
        guard let type = CommandType(rawValue: name), type.consumer == .accounts else {
            throw data.fault("command_type", "\"\(name)\" is not a command of the accounts worker")
        }
        commandType = type
        account = try data.optionalString("account", maxLength: MessageFields.maxIdLength)
        userId = try data.optionalString("user_id", maxLength: MessageFields.maxIdLength)
        if try data.optionalString("currency", maxLength: 16) == nil {
            amount = nil
        } else {
            amount = Money(minorUnits: try data.amount("amount"), currency: try data.currency("currency"))
        }
        reason = try data.string("reason", maxLength: 64)
        detail = try data.string("detail")
    }

    public var fields: JSONObject {
        [
            "command_type": .string(commandType.rawValue), "account": .optional(account), "user_id": .optional(userId),
            "amount": amount.map { .integer($0.minorUnits) } ?? .null, "currency": .optional(amount?.currency.code),
            "reason": .string(reason), "detail": .string(detail),
        ]
    }

    public var users: [String] { [userId].compactMap { $0 } }
}

extension MessageFields {
    func purpose(_ name: String) throws(InvalidMessage) -> AccountPurpose {
        let value = try string(name, maxLength: 16)
        guard let purpose = AccountPurpose(rawValue: value) else { throw fault(name, "\"\(value)\" is not an account purpose") }
        return purpose
    }
}
