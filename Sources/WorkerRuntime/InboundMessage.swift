import AMQPClient

/// A message as a handler sees it: what its producer sent, not how it
/// travelled. The runtime reads it off the broker; no handler sees AMQP.
public struct InboundMessage: Sendable, Equatable {
    /// A header's value, typed as the producer set it.
    public enum HeaderValue: Sendable, Equatable {
        case text(String)
        case integer(Int64)
        case flag(Bool)
        /// Seconds since 1970.
        case time(UInt64)
        /// Bytes, a table or a list: kept in words, for logs.
        case other(String)
    }

    public var body: [UInt8]
    /// The command or event type it was published as.
    public var type: String?
    public var id: String?
    /// When the producer sent it, in seconds since 1970.
    public var sentAt: UInt64?
    public var headers: [String: HeaderValue]

    public init(body: [UInt8], type: String? = nil, id: String? = nil, sentAt: UInt64? = nil, headers: [String: HeaderValue] = [:]) {
        self.body = body
        self.type = type
        self.id = id
        self.sentAt = sentAt
        self.headers = headers
    }
}

extension InboundMessage {
    init(_ message: AMQPMessage) {
        self.init(
            body: message.body, type: message.properties.type, id: message.properties.messageId,
            sentAt: message.properties.timestamp, headers: message.properties.headers.mapValues(HeaderValue.init))
    }
}

extension InboundMessage.HeaderValue {
    init(_ value: AMQPValue) {
        switch value {
        case .string(let text): self = .text(text)
        case .int(let integer): self = .integer(integer)
        case .bool(let flag): self = .flag(flag)
        case .timestamp(let seconds): self = .time(seconds)
        case .bytes, .table, .array, .void: self = .other(value.description)
        }
    }
}
