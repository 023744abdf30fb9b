import AMQPClient
import Settings

/// A lane's session with RabbitMQ: one connection to consume on, one to
/// publish on with two confirm channels. Events get a channel of their own
/// so that a refused event never fails the retries and dead letters, which
/// are confirmed before their originals are acked.
final class AMQPBrokerSession: BrokerSession {
    private let consumer: AMQPConnection
    private let consuming: AMQPChannel
    private let publisher: AMQPConnection
    private let publishing: AMQPChannel
    private let routing: AMQPChannel
    private var consumerTag: String?

    /// Connections are named `<name> consumer` and `<name> publisher` in the broker's list.
    init(settings: ServiceSettings, name: String, confirmWindow: Int) throws {
        consumer = try settings.connectBroker(as: "\(name) consumer")
        do {
            consuming = try consumer.openChannel()
            publisher = try settings.connectBroker(as: "\(name) publisher")
        } catch {
            consumer.close()
            throw error
        }
        do {
            publishing = try publisher.openChannel()
            try publishing.enableConfirms(window: confirmWindow)
            routing = try publisher.openChannel()
            try routing.enableConfirms()
        } catch {
            consumer.close()
            publisher.close()
            throw error
        }
    }

    func consume(_ queue: String, prefetch: UInt16) throws {
        try consuming.setPrefetch(prefetch)
        consumerTag = try consuming.consume(queue)
    }

    func cancelConsuming() throws {
        guard let tag = consumerTag else { return }
        try consuming.cancel(consumerTag: tag)
        consumerTag = nil
    }

    func nextDelivery(timeout: Duration) throws -> AMQPDelivery? {
        try consumer.nextDelivery(timeout: timeout)
    }

    func ack(through deliveryTag: UInt64) throws {
        try consuming.ack(deliveryTag, multiple: true)
    }

    func publishEvent(_ message: AMQPMessage, exchange: String, routingKey: String) throws -> UInt64 {
        try publishing.publish(exchange: exchange, routingKey: routingKey, message: message) ?? 0
    }

    func settledEvents() throws -> SettledConfirms {
        let settled = try publishing.settledConfirms()
        return SettledConfirms(through: settled.through, refused: settled.refused, returned: settled.returned)
    }

    func waitUntilEventsSettled() throws {
        try publishing.waitUntilSettled()
    }

    func waitForEventConfirms() throws {
        try publishing.waitForConfirms()
    }

    func route(_ message: AMQPMessage, exchange: String, routingKey: String) throws {
        try routing.publish(exchange: exchange, routingKey: routingKey, message: message)
    }

    func waitForRoutedConfirms() throws {
        try routing.waitForConfirms()
    }

    func close() {
        consumer.close()
        publisher.close()
    }
}
