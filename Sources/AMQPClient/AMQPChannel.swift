import CRabbitMQ
import Glibc

/// What a queue declaration reports.
public struct QueueStatus: Sendable, Equatable {
    public let messageCount: Int
    public let consumerCount: Int
}

/// An AMQP channel on a connection. Every broker round trip turns its
/// C status into an `AMQPError` naming the operation and the object.
public final class AMQPChannel {
    public let id: UInt16
    private let connection: AMQPConnection
    var confirms = PublisherConfirms()
    private var confirmWindow = 0

    init(connection: AMQPConnection, id: UInt16) {
        self.connection = connection
        self.id = id
    }

    private var state: amqp_connection_state_t { connection.state }

    private func rpc<T>(_ operation: String, _ call: (CArena) -> T?) throws(AMQPError) -> T? {
        let arena = CArena()
        let result = call(arena)
        try connection.check(amqp_get_rpc_reply(state), operation, channel: id)
        return result
    }

    private func status(_ code: Int32, _ operation: String) throws(AMQPError) {
        guard code == AMQP_STATUS_OK.rawValue else { throw connection.libraryError(code, operation) }
    }

    // MARK: Topology

    public func declareExchange(_ name: String, type: String, durable: Bool = true, arguments: AMQPTable = [:]) throws(AMQPError) {
        _ = try rpc("exchange.declare \(name)") {
            amqp_exchange_declare(state, id, $0.bytes(name), $0.bytes(type), 0, durable ? 1 : 0, 0, 0, $0.table(arguments))
        }
    }

    /// Passive exchange.declare: throws `.notFound` when it does not exist.
    public func inspectExchange(_ name: String) throws(AMQPError) {
        _ = try rpc("exchange.declare (passive) \(name)") {
            amqp_exchange_declare(state, id, $0.bytes(name), $0.bytes(""), 1, 0, 0, 0, amqp_empty_table)
        }
    }

    @discardableResult
    public func declareQueue(_ name: String, durable: Bool = true, arguments: AMQPTable = [:]) throws(AMQPError) -> QueueStatus {
        let ok = try rpc("queue.declare \(name)") {
            amqp_queue_declare(state, id, $0.bytes(name), 0, durable ? 1 : 0, 0, 0, $0.table(arguments))
        }
        return QueueStatus(ok)
    }

    /// Passive queue.declare: the ready-message and consumer counts, or
    /// `.notFound` when the queue does not exist.
    public func inspectQueue(_ name: String) throws(AMQPError) -> QueueStatus {
        let ok = try rpc("queue.declare (passive) \(name)") {
            amqp_queue_declare(state, id, $0.bytes(name), 1, 0, 0, 0, amqp_empty_table)
        }
        return QueueStatus(ok)
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: AMQPTable = [:]) throws(AMQPError) {
        _ = try rpc("queue.bind \(queue) <- \(exchange) [\(routingKey)]") {
            amqp_queue_bind(state, id, $0.bytes(queue), $0.bytes(exchange), $0.bytes(routingKey), $0.table(arguments))
        }
    }

    public func unbindQueue(_ queue: String, exchange: String, routingKey: String) throws(AMQPError) {
        _ = try rpc("queue.unbind \(queue) <- \(exchange) [\(routingKey)]") {
            amqp_queue_unbind(state, id, $0.bytes(queue), $0.bytes(exchange), $0.bytes(routingKey), amqp_empty_table)
        }
    }

    @discardableResult
    public func deleteQueue(_ name: String) throws(AMQPError) -> Int {
        let ok = try rpc("queue.delete \(name)") { amqp_queue_delete(state, id, $0.bytes(name), 0, 0) }
        return Int(ok?.pointee.message_count ?? 0)
    }

    public func deleteExchange(_ name: String) throws(AMQPError) {
        _ = try rpc("exchange.delete \(name)") { amqp_exchange_delete(state, id, $0.bytes(name), 0) }
    }

    @discardableResult
    public func purgeQueue(_ name: String) throws(AMQPError) -> Int {
        let ok = try rpc("queue.purge \(name)") { amqp_queue_purge(state, id, $0.bytes(name)) }
        return Int(ok?.pointee.message_count ?? 0)
    }

    // MARK: Consuming

    /// basic.qos: at most `count` unacknowledged deliveries on this channel.
    public func setPrefetch(_ count: UInt16) throws(AMQPError) {
        _ = try rpc("basic.qos \(count)") { _ in amqp_basic_qos(state, id, 0, count, 0) }
    }

    /// Starts a consumer; deliveries arrive through `connection.nextDelivery`.
    @discardableResult
    public func consume(_ queue: String, tag: String = "", exclusive: Bool = false, arguments: AMQPTable = [:]) throws(AMQPError) -> String
    {
        let ok = try rpc("basic.consume \(queue)") {
            amqp_basic_consume(state, id, $0.bytes(queue), $0.bytes(tag), 0, 0, exclusive ? 1 : 0, $0.table(arguments))
        }
        return ok?.pointee.consumer_tag.string ?? tag
    }

    public func cancel(consumerTag: String) throws(AMQPError) {
        _ = try rpc("basic.cancel \(consumerTag)") { amqp_basic_cancel(state, id, $0.bytes(consumerTag)) }
    }

    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) throws(AMQPError) {
        try status(amqp_basic_ack(state, id, deliveryTag, multiple ? 1 : 0), "basic.ack \(deliveryTag)")
    }

    /// Negative acknowledgement. With `requeue: false` the broker
    /// dead-letters the message(s) per the queue's arguments.
    public func nack(_ deliveryTag: UInt64, multiple: Bool = false, requeue: Bool) throws(AMQPError) {
        try status(amqp_basic_nack(state, id, deliveryTag, multiple ? 1 : 0, requeue ? 1 : 0), "basic.nack \(deliveryTag)")
    }

    public func reject(_ deliveryTag: UInt64, requeue: Bool) throws(AMQPError) {
        try status(amqp_basic_reject(state, id, deliveryTag, requeue ? 1 : 0), "basic.reject \(deliveryTag)")
    }

    /// basic.get: one message, or nil when the queue is empty.
    public func get(_ queue: String, autoAck: Bool = false) throws(AMQPError) -> AMQPDelivery? {
        let arena = CArena()
        // Kept alive to the end of the C call, not just to its last Swift use.
        let reply = withExtendedLifetime(arena) { amqp_basic_get(state, id, arena.bytes(queue), autoAck ? 1 : 0) }
        try connection.check(reply, "basic.get \(queue)", channel: id)
        guard reply.reply.id == AMQP_BASIC_GET_OK_METHOD else { return nil }
        let ok = reply.reply.decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        var message = amqp_message_t()
        try connection.check(amqp_read_message(state, id, &message, 0), "basic.get \(queue) (read body)", channel: id)
        defer { amqp_destroy_message(&message) }
        return AMQPDelivery(
            channel: id, deliveryTag: ok.delivery_tag, redelivered: ok.redelivered != 0,
            exchange: ok.exchange.string, routingKey: ok.routing_key.string,
            message: AMQPMessage(body: message.body.array, properties: AMQPProperties(message.properties)))
    }

    // MARK: Publishing

    /// Puts the channel in confirm mode. Up to `window` publishes may be
    /// unconfirmed at once; `publish` waits for confirms beyond that.
    public func enableConfirms(window: Int = 1024) throws(AMQPError) {
        _ = try rpc("confirm.select") { _ in amqp_confirm_select(state, id) }
        confirmWindow = max(1, window)
        connection.registerConfirms(self)
    }

    func reenableConfirmsAfterReopen() {
        confirms.restart()
        amqp_confirm_select(state, id)
    }

    /// Publishes one message. `mandatory` makes an unroutable message come
    /// back (reported by `waitForConfirms`) instead of vanishing. On a
    /// confirm channel, returns the publish's sequence number.
    @discardableResult
    public func publish(exchange: String, routingKey: String, message: AMQPMessage, mandatory: Bool = true) throws(AMQPError) -> UInt64? {
        if confirmWindow > 0 {
            while confirms.outstanding.count >= confirmWindow {
                guard try connection.readFrame(timeout: nil) else {
                    throw AMQPError(
                        .timeout, operation: "publish (wait for confirm window)",
                        endpoint: connection.endpoint.description,
                        detail: "\(confirms.outstanding.count) publishes unconfirmed")
                }
            }
        }
        let arena = CArena()
        var properties = arena.properties(message.properties)
        let code = withExtendedLifetime(arena) {
            amqp_basic_publish(
                state, id, arena.bytes(exchange), arena.bytes(routingKey), mandatory ? 1 : 0, 0, &properties,
                arena.bytes(message.body))
        }
        try status(code, "basic.publish \(exchange) [\(routingKey)]")
        return confirmWindow > 0 ? confirms.published() : nil
    }

    /// What the broker has settled so far, without waiting: reads the
    /// confirms that already arrived. Publishes up to `through` are
    /// confirmed except those listed as refused (by sequence number) or
    /// returned (by message id).
    public func settledConfirms() throws(AMQPError) -> (through: UInt64, refused: [UInt64], returned: [String]) {
        while try connection.readFrame(timeout: .zero) {}
        let failures = confirms.takeFailures()
        return (confirms.settledThrough, failures.refused, failures.returned)
    }

    /// Blocks until the broker has confirmed every publish so far. Throws
    /// `.publishNacked` or `.publishUnroutable` (naming the messages) when
    /// any was refused or returned, `.timeout` when confirms stop coming.
    public func waitForConfirms(timeout: Duration = .seconds(30)) throws(AMQPError) {
        try waitUntilSettled(timeout: timeout)
        let failures = confirms.takeFailures()
        if !failures.returned.isEmpty {
            throw AMQPError(
                .publishUnroutable, operation: "publish", endpoint: connection.endpoint.description,
                detail: "\(failures.returned.count) message(s) matched no queue: \(failures.returned.prefix(5).joined(separator: ", "))")
        }
        if !failures.refused.isEmpty {
            throw AMQPError(
                .publishNacked, operation: "publish", endpoint: connection.endpoint.description,
                detail:
                    "\(failures.refused.count) publish(es) refused, sequence \(failures.refused.prefix(5).map(String.init).joined(separator: ", "))"
            )
        }
    }

    /// Blocks until the broker has settled every publish so far, leaving
    /// what it refused or returned for `settledConfirms`. Throws `.timeout`
    /// when confirms stop coming.
    public func waitUntilSettled(timeout: Duration = .seconds(30)) throws(AMQPError) {
        let deadline = ContinuousClock.now + timeout
        while !confirms.outstanding.isEmpty {
            let left = deadline - ContinuousClock.now
            guard left > .zero, try connection.readFrame(timeout: left) || ContinuousClock.now < deadline else {
                throw AMQPError(
                    .timeout, operation: "wait for publisher confirms",
                    endpoint: connection.endpoint.description,
                    detail: "\(confirms.outstanding.count) publishes unconfirmed after \(timeout)")
            }
        }
    }

    /// Closes the channel; the connection stays open.
    public func close() {
        connection.forgetChannel(id)
        _ = amqp_channel_close(state, id, AMQP_REPLY_SUCCESS)
    }
}

extension QueueStatus {
    init(_ ok: UnsafeMutablePointer<amqp_queue_declare_ok_t>?) {
        self.init(messageCount: Int(ok?.pointee.message_count ?? 0), consumerCount: Int(ok?.pointee.consumer_count ?? 0))
    }
}
