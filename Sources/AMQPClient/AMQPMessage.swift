/// The AMQP basic properties FlexFin uses: the message envelope of DESIGN.md.
public struct AMQPProperties: Sendable, Equatable {
    public var contentType: String?
    public var messageId: String?
    public var type: String?
    public var correlationId: String?
    public var appId: String?
    public var expiration: String?
    /// delivery_mode 2: the broker writes the message to disk.
    public var persistent: Bool
    /// Seconds since the epoch.
    public var timestamp: UInt64?
    public var headers: AMQPTable

    public init(
        contentType: String? = nil, messageId: String? = nil, type: String? = nil,
        correlationId: String? = nil, appId: String? = nil, expiration: String? = nil,
        persistent: Bool = true, timestamp: UInt64? = nil, headers: AMQPTable = [:]
    ) {
        self.contentType = contentType
        self.messageId = messageId
        self.type = type
        self.correlationId = correlationId
        self.appId = appId
        self.expiration = expiration
        self.persistent = persistent
        self.timestamp = timestamp
        self.headers = headers
    }
}

public struct AMQPMessage: Sendable, Equatable {
    public var body: [UInt8]
    public var properties: AMQPProperties

    public init(body: [UInt8], properties: AMQPProperties = AMQPProperties()) {
        self.body = body
        self.properties = properties
    }
}

/// A message handed to a consumer (or fetched with basic.get). Ack it on the
/// channel it came from, by its delivery tag.
public struct AMQPDelivery: Sendable {
    public let channel: UInt16
    public let deliveryTag: UInt64
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let message: AMQPMessage

    public init(channel: UInt16, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, message: AMQPMessage) {
        self.channel = channel
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.message = message
    }

    /// The same delivery carrying another message: a part of what was
    /// delivered (acked through the original's tag), or the message as
    /// read, with its id filled in.
    public func with(message: AMQPMessage) -> AMQPDelivery {
        AMQPDelivery(
            channel: channel, deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange,
            routingKey: routingKey, message: message)
    }
}
