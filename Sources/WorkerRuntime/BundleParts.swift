import AMQPClient
import Domain

extension AMQPDelivery {
    /// An event bundle as one delivery per event, each carrying one line of
    /// the body and the bundle's delivery tag (acking the batch acks the
    /// bundle). From here on the runtime treats each part as the message it
    /// would have been alone: decoded, deduplicated, retried or
    /// dead-lettered by itself. Anything else is its own only part.
    var parts: [AMQPDelivery] {
        guard message.properties.contentType == EventBundle.contentType else { return [self] }
        let bundleId = message.properties.messageId ?? "bundle"
        return EventBundle.parts(of: message.body).enumerated().map { index, line in
            var part = message
            part.body = Array(line)
            part.properties.contentType = "application/json"
            // Until it is read and named by its event id (see `named`).
            part.properties.messageId = "\(bundleId)/\(index + 1)"
            part.properties.headers[MessageHeader.eventCount] = nil
            return with(message: part)
        }
    }

    /// How many messages the delivery stands for: a batch is filled by
    /// events, not by bundles.
    public var weight: Int {
        max(1, Int(clamping: message.properties.headers[MessageHeader.eventCount]?.intValue ?? 1))
    }

    /// The delivery with `message_id` set to the id the handler read from
    /// the body (a bundle's part has only a position until then).
    func named(_ id: String) -> AMQPDelivery {
        guard message.properties.messageId != id else { return self }
        var named = message
        named.properties.messageId = id
        return with(message: named)
    }
}
