import Foundation

/// `{"command_id":…,"type":"debt.repayment","debt_id":…,"wallet":…,"amount":…,"currency":…}`
/// (queues/schemas/command.debt.repayment.json). Interest accrues to the day
/// the command was accepted: the AMQP `timestamp` its producer set, so a
/// retry or a replay computes the same split.
public struct DebtRepayment: SingleTypeCommand, Equatable {
    public let commandId: String
    public let debtId: String
    public let wallet: String
    public let amount: Money
    /// The UTC day of the AMQP timestamp; not part of the content (a copy
    /// accepted later is the same command).
    public let acceptedOn: CalendarDay

    public static let type = CommandType.debtRepayment

    public init(commandId: String, debtId: String, wallet: String, amount: Money, acceptedOn: CalendarDay) {
        (self.commandId, self.debtId, self.wallet, self.amount, self.acceptedOn) = (commandId, debtId, wallet, amount, acceptedOn)
    }

    /// The body alone, at the door, before it has a timestamp: accepted today.
    public init(body: [UInt8]) throws(InvalidMessage) {
        try self.init(body: body, acceptedAt: Date())
    }

    public init(body: [UInt8], acceptedAt: Date) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        try fields.rejectUnknown(allowed: ["command_id", "type", "debt_id", "wallet", "amount", "currency"])
        try fields.expectType(Self.type.rawValue)
        self.init(
            commandId: try fields.id("command_id"), debtId: try fields.id("debt_id"), wallet: try fields.id("wallet"),
            amount: Money(minorUnits: try fields.amount("amount"), currency: try fields.currency("currency")),
            acceptedOn: CalendarDay(acceptedAt))
    }

    public var canonicalFields: JSONObject {
        [
            "debt_id": .string(debtId), "wallet": .string(wallet), "amount": .integer(amount.minorUnits),
            "currency": .string(amount.currency.code),
        ]
    }
}
