import Foundation

/// A follow-up event as published on `flexfin.events` (routing key = type)
/// and stored in the outbox, byte for byte (queues/schemas/event.*.json).
public struct DomainEvent: Sendable, Equatable {
    public let eventId: String
    public let occurredAt: String
    public let commandId: String
    /// The users the event concerns: each gets a notification.
    public let userIds: [String]
    public let payload: EventPayload
    /// The API key that submitted the command it follows from, when one did
    /// (`MessageHeader.submittedBy`); set by the runtime, not the handler.
    public var submittedBy: String?

    public var type: EventType { payload.type }

    public init(eventId: String = RandomUUID.lowercased(), _ payload: EventPayload, occurredAt: Date, commandId: String) {
        self.eventId = eventId
        self.occurredAt = occurredAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        self.commandId = commandId
        self.userIds = payload.data.users
        self.payload = payload
    }

    /// Compact JSON with sorted keys: the same event always has the same bytes.
    public func encoded() -> [UInt8] {
        var fields: JSONObject = [
            "event_id": .string(eventId), "type": .string(type.rawValue), "occurred_at": .string(occurredAt),
            "command_id": .string(commandId), "user_ids": .array(userIds.map(JSONValue.string)), "data": .object(payload.data.fields),
        ]
        fields["submitted_by"] = submittedBy.map(JSONValue.string)
        return JSONValue.object(fields).bytes
    }

    /// Reads an event body; the error names the field at fault.
    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        try fields.rejectUnknown(allowed: ["event_id", "type", "occurred_at", "command_id", "user_ids", "data", "submitted_by"])
        let name = try fields.string("type", maxLength: 64)
        guard let type = EventType(rawValue: name) else { throw fields.fault("type", "\"\(name)\" is not an event type of the contract") }
        self.eventId = try fields.id("event_id")
        self.occurredAt = try fields.string("occurred_at", maxLength: 64)
        self.commandId = try fields.id("command_id")
        self.userIds = try fields.ids("user_ids")
        self.payload = try EventPayload(type: type, data: MessageFields(object: "data", of: fields))
        self.submittedBy = try fields.optionalString("submitted_by", maxLength: MessageFields.maxIdLength)
    }
}

extension JSONValue {
    /// `.string`, or `.null` for nil: optional fields are written out.
    public static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
}
