import AMQPClient

/// What a lane asks of the broker during one session: a window of
/// deliveries from its queue and their acknowledgement, events published
/// with confirms it collects later, and failed messages routed (to a retry
/// tier or the dead-letter queue) and confirmed before their originals are
/// acknowledged. `AMQPBrokerSession` is RabbitMQ; the runtime's tests drive
/// a lane through an in-memory broker, as swift-jobs tests its processor
/// against an in-memory driver.
///
/// A session fails as a whole: any error ends it, and whatever it delivered
/// and did not acknowledge goes back to the queue.
protocol BrokerSession: AnyObject {
    /// Starts consuming `queue` with at most `prefetch` deliveries
    /// unacknowledged.
    func consume(_ queue: String, prefetch: UInt16) throws
    /// Stops new deliveries; those already sent are still taken and acked.
    func cancelConsuming() throws
    /// The next delivery, or nil when none came within `timeout`.
    func nextDelivery(timeout: Duration) throws -> AMQPDelivery?
    /// Acknowledges every delivery up to and including `deliveryTag`.
    func ack(through deliveryTag: UInt64) throws

    /// Publishes an event without waiting for its confirm; returns its
    /// confirm sequence number (from 1, in publish order).
    func publishEvent(_ message: AMQPMessage, exchange: String, routingKey: String) throws -> UInt64
    /// The events the broker has settled so far, without waiting: every
    /// sequence up to `through`, refused ones and returned ones (by message
    /// id) listed apart. Each refusal or return is reported once.
    func settledEvents() throws -> SettledConfirms
    /// Waits until every event published is settled, leaving refusals for
    /// `settledEvents`.
    func waitUntilEventsSettled() throws
    /// Waits until every event published is settled; throws if any was
    /// refused or returned.
    func waitForEventConfirms() throws

    /// Publishes a failed message on its way to a retry tier or the
    /// dead-letter queue; `waitForRoutedConfirms` confirms it.
    func route(_ message: AMQPMessage, exchange: String, routingKey: String) throws
    /// Throws if any routed message was refused or returned.
    func waitForRoutedConfirms() throws

    /// Closes every connection: unacknowledged deliveries return to the queue.
    func close()
}

struct SettledConfirms: Equatable {
    var through: UInt64
    var refused: [UInt64] = []
    var returned: [String] = []
}
