/// An operator's replay or purge of dead letters, as the audit log keeps it.
/// `actor` is who did it; `to` the queue replayed into; `ids` the purged.
public struct DeadLetterAction: EventData {
    public let actor: String
    public let queue: String
    public let filter: String
    public let count: Int64
    public let to: String?
    public let ids: [String]?

    public init(actor: String, queue: String, filter: String, count: Int, to: String? = nil, ids: [String]? = nil) {
        (self.actor, self.queue, self.filter, self.count, self.to, self.ids) = (actor, queue, filter, Int64(count), to, ids)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        actor = try data.string("actor")
        queue = try data.string("queue", maxLength: 255)
        filter = try data.string("filter", maxLength: 2000)
        count = try data.nonNegativeAmount("count")
        to = try data.optionalString("to", maxLength: 255)
        ids = data.values["ids"] == nil ? nil : try data.ids("ids", maxLength: 1000)
    }

    public var fields: JSONObject {
        var fields: JSONObject = ["actor": .string(actor), "queue": .string(queue), "filter": .string(filter), "count": .integer(count)]
        fields["to"] = to.map(JSONValue.string)
        fields["ids"] = ids.map { .array($0.map(JSONValue.string)) }
        return fields
    }

    public var users: [String] { [] }
}
