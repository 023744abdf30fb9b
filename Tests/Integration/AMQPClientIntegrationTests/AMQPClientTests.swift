import AMQPClient
import TestSupport
import XCTest

/// Against the real RabbitMQ of deploy/local/services.
final class AMQPClientTests: XCTestCase {
    private var endpoints: [AMQPEndpoint] { TestServices.settings.amqpEndpoints }
    private var queuesToDelete: [String] = []

    override func tearDownWithError() throws {
        let connection = try AMQPConnection.connect(to: endpoints)
        let channel = try connection.openChannel()
        for queue in queuesToDelete { _ = try? channel.deleteQueue(queue) }
    }

    /// A quorum queue whose rejected messages go to `<name>.dlq`.
    private func declareQueueWithDeadLetters(_ channel: AMQPChannel) throws -> (queue: String, deadLetters: String) {
        let queue = TestServices.uniqueName("test.amqp")
        let deadLetters = queue + ".dlq"
        queuesToDelete += [queue, deadLetters]
        try channel.declareQueue(deadLetters, arguments: ["x-queue-type": "quorum"])
        try channel.declareQueue(
            queue,
            arguments: [
                "x-queue-type": "quorum",
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": .string(deadLetters),
                "x-delivery-limit": 5,
            ])
        return (queue, deadLetters)
    }

    func testPublishWithConfirmWindowThenConsumeAndAck() throws {
        let publisher = try AMQPConnection.connect(to: endpoints)
        let channel = try publisher.openChannel()
        let (queue, _) = try declareQueueWithDeadLetters(channel)
        try channel.enableConfirms(window: 64)  // many in flight, fewer than the total
        let count = 500
        for index in 0..<count {
            let properties = AMQPProperties(
                contentType: "application/json", messageId: "m\(index)", type: "payment",
                correlationId: "c\(index)", timestamp: 1_700_000_000,
                headers: ["x-schema-version": 1, "traceparent": "tp-\(index)"])
            try channel.publish(
                exchange: "", routingKey: queue,
                message: AMQPMessage(body: Array("{\"n\":\(index)}".utf8), properties: properties))
        }
        try channel.waitForConfirms()
        XCTAssertEqual(try channel.inspectQueue(queue).messageCount, count)

        let consumer = try AMQPConnection.connect(to: endpoints)
        let consuming = try consumer.openChannel()
        try consuming.setPrefetch(100)
        try consuming.consume(queue)
        var seen: [Int] = []
        var lastTag: UInt64 = 0
        while seen.count < count, let delivery = try consumer.nextDelivery(timeout: .seconds(5)) {
            let index = seen.count
            XCTAssertEqual(delivery.message.properties.messageId, "m\(index)")
            XCTAssertEqual(delivery.message.properties.type, "payment")
            XCTAssertEqual(delivery.message.properties.correlationId, "c\(index)")
            XCTAssertEqual(delivery.message.properties.headers["traceparent"], .string("tp-\(index)"))
            XCTAssertEqual(delivery.message.properties.headers["x-schema-version"], .int(1))
            XCTAssertTrue(delivery.message.properties.persistent)
            XCTAssertEqual(String(decoding: delivery.message.body, as: UTF8.self), "{\"n\":\(index)}")
            seen.append(index)
            lastTag = delivery.deliveryTag
            if seen.count % 100 == 0 { try consuming.ack(lastTag, multiple: true) }
        }
        XCTAssertEqual(seen.count, count)
        consumer.close()
        // Every message was acknowledged, so nothing returns to the queue.
        XCTAssertEqual(try channel.inspectQueue(queue).messageCount, 0)
    }

    func testNackWithoutRequeueDeadLettersTheMessageWithItsHeaders() throws {
        let connection = try AMQPConnection.connect(to: endpoints)
        let channel = try connection.openChannel()
        let (queue, deadLetters) = try declareQueueWithDeadLetters(channel)
        try channel.enableConfirms()
        try channel.publish(
            exchange: "", routingKey: queue,
            message: AMQPMessage(
                body: Array("poison".utf8),
                properties: AMQPProperties(messageId: "bad-1", headers: ["x-error": "amount is negative"])))
        try channel.waitForConfirms()

        let delivery = try XCTUnwrap(channel.get(queue))
        try channel.nack(delivery.deliveryTag, requeue: false)

        var deadLetter: AMQPDelivery?
        for _ in 0..<50 where deadLetter == nil {  // dead-lettering is asynchronous
            deadLetter = try channel.get(deadLetters, autoAck: true)
            if deadLetter == nil { usleep(100_000) }
        }
        let message = try XCTUnwrap(deadLetter).message
        XCTAssertEqual(message.body, Array("poison".utf8))
        XCTAssertEqual(message.properties.messageId, "bad-1")
        XCTAssertEqual(message.properties.headers["x-error"], .string("amount is negative"))
        let death = try XCTUnwrap(message.properties.headers["x-death"]?.arrayValue?.first?.tableValue)
        XCTAssertEqual(death["reason"], .string("rejected"))
        XCTAssertEqual(death["queue"], .string(queue))
        XCTAssertEqual(try channel.inspectQueue(queue).messageCount, 0)
    }

    func testPassiveDeclareCountsAndMissingQueue() throws {
        let connection = try AMQPConnection.connect(to: endpoints)
        let channel = try connection.openChannel()
        let (queue, _) = try declareQueueWithDeadLetters(channel)
        try channel.enableConfirms()
        for _ in 0..<3 { try channel.publish(exchange: "", routingKey: queue, message: AMQPMessage(body: [1])) }
        try channel.waitForConfirms()
        try channel.consume(queue)
        let status = try channel.inspectQueue(queue)
        XCTAssertEqual(status.consumerCount, 1)

        XCTAssertThrowsError(try channel.inspectQueue(TestServices.uniqueName("missing"))) { error in
            XCTAssertEqual((error as? AMQPError)?.code, .notFound)
            XCTAssertFalse((error as? AMQPError)?.isRetryable ?? true)
        }
        // The broker closed the channel; the wrapper reopened it.
        XCTAssertNoThrow(try channel.inspectQueue(queue))
    }

    func testUnroutablePublishIsReportedNotLost() throws {
        let connection = try AMQPConnection.connect(to: endpoints)
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        try channel.publish(
            exchange: "", routingKey: TestServices.uniqueName("nowhere"),
            message: AMQPMessage(body: [1], properties: AMQPProperties(messageId: "lost-1")))
        XCTAssertThrowsError(try channel.waitForConfirms()) { error in
            XCTAssertEqual((error as? AMQPError)?.code, .publishUnroutable)
            XCTAssertTrue("\(error)".contains("lost-1"), "\(error)")
        }
    }

    func testWrongPasswordIsATypedErrorNamingHostAndPort() throws {
        var endpoint = endpoints[0]
        endpoint.password = "not-the-password"
        XCTAssertThrowsError(try AMQPConnection(endpoint: endpoint)) { error in
            let error = error as! AMQPError
            XCTAssertEqual(error.code, .authenticationFailed)
            XCTAssertEqual(error.endpoint, "\(endpoint.host):\(endpoint.port)")
            XCTAssertFalse("\(error)".contains("not-the-password"))
            XCTAssertFalse(error.isRetryable)
        }
    }

    func testClosedPortAndUnknownHostAreTypedErrors() throws {
        let port = closedPort()
        XCTAssertThrowsError(try AMQPConnection(endpoint: AMQPEndpoint(host: "127.0.0.1", port: port))) { error in
            let error = error as! AMQPError
            XCTAssertEqual(error.code, .connectionRefused)
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
            XCTAssertTrue(error.isRetryable)
        }
        XCTAssertThrowsError(try AMQPConnection(endpoint: AMQPEndpoint(host: "no-such-host.invalid", port: 5673))) { error in
            XCTAssertEqual((error as! AMQPError).code, .unknownHost)
            XCTAssertTrue("\(error)".contains("no-such-host.invalid:5673"), "\(error)")
        }
    }

    func testASilentPeerTimesOutWithinTheConfiguredBound() throws {
        let listener = SilentListener()
        let started = ContinuousClock.now
        XCTAssertThrowsError(
            try AMQPConnection(
                endpoint: AMQPEndpoint(host: "127.0.0.1", port: listener.port),
                options: AMQPOptions(connectTimeout: .seconds(1)))
        ) { error in
            XCTAssertEqual((error as! AMQPError).code, .timeout, "\(error)")
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(listener.port)"), "\(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(4))
    }

    func testFailoverUsesTheNextHostWhenTheFirstIsDown() throws {
        let down = AMQPEndpoint(host: "127.0.0.1", port: closedPort(), user: "x", password: "y", vhost: "z")
        let connection = try AMQPConnection.connect(to: [down] + endpoints)
        XCTAssertEqual(connection.endpoint, endpoints[0])
    }
}
