import Foundation

/// A follow-up event as published on `flexfin.events` (routing key = type)
/// and stored in the outbox, byte for byte
/// (queues/schemas/event.*.json).
public struct DomainEvent: Sendable, Equatable {
    public let eventId: String
    public let type: String
    public let occurredAt: String
    public let commandId: String
    /// The users the event concerns: each gets a notification.
    public let userIds: [String]
    public let data: [String: JSONValue]

    public init(eventId: String = UUID().uuidString.lowercased(), type: String, occurredAt: Date,
                commandId: String, userIds: [String], data: [String: JSONValue]) {
        self.eventId = eventId
        self.type = type
        self.occurredAt = occurredAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        self.commandId = commandId
        self.userIds = userIds
        self.data = data
    }

    /// Compact JSON with sorted keys: the same event always has the same bytes.
    public func encoded() -> [UInt8] {
        Array(JSONValue.object([
            "event_id": .string(eventId), "type": .string(type), "occurred_at": .string(occurredAt),
            "command_id": .string(commandId), "user_ids": .array(userIds.map(JSONValue.string)), "data": .object(data),
        ]).serialized.utf8)
    }

    /// Reads an event body; the error names the field at fault.
    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        let type = try fields.string("type", maxLength: 64)
        guard case .object(let data)? = fields.values["data"] else { throw InvalidMessage(field: "data", "must be an object") }
        guard case .array(let users)? = fields.values["user_ids"] else { throw InvalidMessage(field: "user_ids", "must be an array") }
        var userIds: [String] = []
        for user in users {
            guard case .string(let id) = user, (1...MessageFields.maxIdLength).contains(id.unicodeScalars.count) else {
                throw InvalidMessage(field: "user_ids", "must hold ids of 1 to \(MessageFields.maxIdLength) characters")
            }
            userIds.append(id)
        }
        self.eventId = try fields.id("event_id")
        self.type = type
        self.occurredAt = try fields.string("occurred_at", maxLength: 64)
        self.commandId = try fields.id("command_id")
        self.userIds = userIds
        self.data = data
    }
}

extension PaymentOutcome {
    /// `payment.completed` to payer and payee, or `payment.rejected` to the
    /// payer only. `users` maps wallet ids to their owners.
    public func event(at time: Date, users: [String: String]) -> DomainEvent {
        let command = self.command
        var data: [String: JSONValue] = [
            "payer": .string(command.payer), "payee": .string(command.payee),
            "amount": .integer(command.amount.minorUnits), "currency": .string(command.amount.currency.code),
            "kind": .string(command.kind), "memo": command.memo.map(JSONValue.string) ?? .null,
        ]
        let payerUser = users[command.payer]
        let payeeUser = users[command.payee]
        data["payer_user"] = payerUser.map(JSONValue.string) ?? .null
        data["payee_user"] = payeeUser.map(JSONValue.string) ?? .null
        switch self {
        case .completed:
            return DomainEvent(type: "payment.completed", occurredAt: time, commandId: command.commandId,
                               userIds: [payerUser, payeeUser].compactMap { $0 }, data: data)
        case .rejected(_, let reason, let detail):
            data["reason"] = .string(reason.rawValue)
            data["detail"] = .string(detail)
            return DomainEvent(type: "payment.rejected", occurredAt: time, commandId: command.commandId,
                               userIds: [payerUser].compactMap { $0 }, data: data)
        }
    }
}
