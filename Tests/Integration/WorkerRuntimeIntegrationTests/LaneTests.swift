import AMQPClient
import Domain
import Foundation
import Logging
import PipelineHarness
import PostgresClient
import TestSupport
import Topology
import XCTest

@testable import WorkerRuntime

/// What a lane decides, driven through an in-memory broker: no RabbitMQ,
/// and no Redis (the lane runs with its cache away). PostgreSQL is real:
/// the batch transaction, inbox, outbox and failure records are SQL.
final class LaneTests: XCTestCase {
    private var environment: DisposableEnvironment!
    private var topology: TopologySpec!
    private let broker = InMemoryBroker()
    private let handler = ScriptedHandler()

    override func setUpWithError() throws {
        environment = try DisposableEnvironment("lane", redisDatabase: 11, from: TestServices.settings)
        try environment.recreateDatabase()
        topology = try TopologySpec.load(from: TopologySpec.locate())
    }

    // MARK: - Batches

    func testBatchesFillUpToTheBatchSizeAfterOneProbationDelivery() throws {
        let messages = (1...25).map { _ in message("apply") }
        broker.enqueue(messages)
        try runLane(["--batch-size", "10", "--batch-milliseconds", "200"]) { $0.acknowledgedCount == 25 }
        // The first delivery comes alone (prefetch 1 until a fresh one is
        // seen); then full batches in delivery order.
        XCTAssertEqual(handler.calls.all.map(\.count), [1, 10, 10, 4])
        XCTAssertEqual(handler.calls.all.flatMap { $0 }, messages.map { $0.properties.messageId! })
        XCTAssertEqual(try inboxCount(), 25)
        XCTAssertEqual(broker.handedBackCount, 0)
    }

    func testDeliveriesACrashedConsumerHandedBackComeOneAtATime() throws {
        broker.enqueue((1...3).map { _ in message("apply") }, redelivered: true)
        broker.enqueue((1...5).map { _ in message("apply") })
        try runLane(["--batch-size", "10", "--batch-milliseconds", "200"]) { $0.acknowledgedCount == 8 }
        XCTAssertEqual(handler.calls.all.map(\.count), [1, 1, 1, 1, 4])
    }

    // MARK: - Failures

    func testAFailingMessageIsSplitOffAndRetriedAloneWhileItsNeighboursCommit() throws {
        let messages = (1...10).map { $0 == 7 ? message("poison") : message("apply") }
        broker.enqueue([message("apply")] + messages)  // the first is probation's
        try runLane(["--batch-size", "10", "--batch-milliseconds", "200"]) { $0.acknowledgedCount == 11 }
        XCTAssertEqual(try inboxCount(), 10, "the nine neighbours and the probation message committed")
        let routed = broker.routedMessages
        XCTAssertEqual(routed.count, 1)
        XCTAssertEqual(routed.first?.message.properties.messageId, messages[6].properties.messageId)
        XCTAssertEqual(routed.first?.exchange, topology.retry.tiers.min { $0.ttlMilliseconds < $1.ttlMilliseconds }?.name)
        XCTAssertEqual(routed.first?.routingKey, handler.queue, "the tier returns it to its own queue")
        XCTAssertEqual(routed.first?.message.properties.headers[MessageHeader.attempts]?.intValue, 1)
        XCTAssertEqual(routed.first?.message.properties.headers[MessageHeader.errorClass], .string("unexpected"))
        XCTAssertEqual(try failureState(of: messages[6]), "retrying")
        // Halves until the poison is alone: 10, then 5 + 5, ...
        XCTAssertEqual(handler.calls.all[1].count, 10)
        XCTAssertTrue(handler.calls.all.contains([messages[6].properties.messageId!]))
    }

    func testEachFailedAttemptGoesToTheNextTierAndTheLastToTheDeadLetterQueue() throws {
        let queue = try topology.queue(named: handler.queue)
        let tiers = topology.retry.tiers.sorted { $0.ttlMilliseconds < $1.ttlMilliseconds }
        // One poison message per attempt count so far, 0 up to the limit's.
        let messages = (0..<queue.maxAttempts).map { message("poison", attempts: $0) }
        broker.enqueue([message("apply")] + messages)
        try runLane(["--batch-size", "1"]) { $0.acknowledgedCount == messages.count + 1 }
        let routed = Dictionary(uniqueKeysWithValues: broker.routedMessages.map { ($0.message.properties.messageId!, $0) })
        let expected = (1..<queue.maxAttempts).map { tiers[min($0, tiers.count) - 1].name } + [topology.deadLetterExchange]
        XCTAssertEqual(messages.map { routed[$0.properties.messageId!]?.exchange }, expected)
        for (message, tier) in zip(messages, tiers) {
            let expiration = Int(routed[message.properties.messageId!]?.message.properties.expiration ?? "") ?? -1
            XCTAssertTrue((tier.ttlMilliseconds / 2...tier.ttlMilliseconds).contains(expiration), "\(tier.name): \(expiration) ms")
        }
        let last = try XCTUnwrap(routed[messages.last!.properties.messageId!])
        XCTAssertEqual(last.routingKey, queue.deadLetterQueue)
        XCTAssertNil(last.message.properties.expiration, "a dead letter never expires")
        XCTAssertEqual(last.message.properties.headers[MessageHeader.attempts]?.intValue, Int64(queue.maxAttempts))
        XCTAssertEqual(try failureState(of: messages.last!), "dead-lettered")
        XCTAssertEqual(try deadLetterCount(), 1)
    }

    func testAnInvalidMessageGoesToTheDeadLetterQueueAtOnceAndBlocksNothing() throws {
        let invalid = message("{not a script")
        broker.enqueue([message("apply"), message("apply"), invalid, message("apply")])
        try runLane(["--batch-size", "10", "--batch-milliseconds", "200"]) { $0.acknowledgedCount == 4 }
        XCTAssertEqual(broker.routedMessages.map(\.exchange), [topology.deadLetterExchange])
        let letter = try XCTUnwrap(broker.routedMessages.first?.message)
        XCTAssertEqual(letter.properties.messageId, invalid.properties.messageId)
        XCTAssertEqual(letter.properties.headers[MessageHeader.errorClass], .string("invalid"))
        XCTAssertEqual(letter.properties.headers[MessageHeader.attempts]?.intValue, 1)
        XCTAssertEqual(letter.body, invalid.body, "kept as the producer sent it")
        XCTAssertEqual(try inboxCount(), 3)
        XCTAssertEqual(try deadLetterCount(), 1)
    }

    // MARK: - Sessions

    func testShutdownFinishesWhatWasDeliveredAndHandsNothingBack() throws {
        broker.enqueue((1...30).map { _ in message("slow") })
        let summary = try runLane(["--batch-size", "2", "--prefetch", "4"]) { $0.acknowledgedCount >= 3 }
        XCTAssertEqual(broker.handedBackCount, 0, "every delivery taken was processed and acknowledged")
        XCTAssertEqual(broker.acknowledgedCount + broker.waitingCount, 30)
        XCTAssertGreaterThan(broker.waitingCount, 0, "it stopped consuming rather than draining the queue")
        XCTAssertEqual(try inboxCount(), broker.acknowledgedCount)
        XCTAssertEqual(summary.messages, broker.acknowledgedCount)
    }

    func testALostSessionHandsItsBatchBackAndTheRedeliveryChangesNothing() throws {
        broker.enqueue((1...11).map { _ in message("apply") })
        broker.loseConnectionAtNextAck()
        try runLane(["--batch-size", "20", "--batch-milliseconds", "200"]) { $0.acknowledgedCount == 11 }
        XCTAssertEqual(broker.sessionsOpened, 2)
        XCTAssertEqual(broker.handedBackCount, 1, "the probation delivery, committed but not acknowledged")
        XCTAssertEqual(handler.calls.all.flatMap { $0 }.count, 11, "the redelivered copy was not applied again")
        XCTAssertEqual(try inboxCount(), 11)
    }

    func testConfirmedEventsLeaveTheOutboxInBundles() throws {
        broker.enqueue((1...5).map { _ in message("event") })
        try runLane(["--batch-size", "10", "--batch-milliseconds", "200"]) { $0.acknowledgedCount == 5 }
        let published = broker.publishedEvents
        XCTAssertEqual(
            published.map(\.routingKey), [EventType.deadLettersPurged.rawValue, EventType.deadLettersPurged.rawValue],
            "the probation message's bundle, then one for the other four")
        XCTAssertEqual(published.compactMap { $0.message.properties.headers[MessageHeader.eventCount]?.intValue }, [1, 4])
        XCTAssertEqual(try outboxCount(), 0)
    }

    func testEventsTheBrokerRefusesStayInTheOutbox() throws {
        broker.refuseEvents(true)
        broker.enqueue((1...5).map { _ in message("event") })
        try runLane(["--batch-size", "10", "--batch-milliseconds", "200"]) { $0.acknowledgedCount == 5 }
        XCTAssertEqual(broker.publishedEvents.count, 0)
        XCTAssertEqual(try outboxCount(), 2, "both bundles, kept to be published again")
    }

    // MARK: - Helpers

    private func message(_ script: String, attempts: Int? = nil) -> AMQPMessage {
        var properties = AMQPProperties(messageId: RandomUUID.lowercased(), type: CommandType.payment.rawValue)
        if let attempts { properties.headers[MessageHeader.attempts] = .int(Int64(attempts)) }
        return AMQPMessage(body: Array(script.utf8), properties: properties)
    }

    /// Runs one lane until `done` holds of the broker, then stops it as
    /// SIGTERM would and waits for it to finish.
    @discardableResult
    private func runLane(_ arguments: [String], until done: (InMemoryBroker) -> Bool) throws -> WorkerMetrics.Summary {
        let options = try WorkerOptions.parse(arguments)
        let shutdown = ShutdownSignal()
        let metrics = WorkerMetrics(worker: "lane-test-\(RandomUUID.lowercased().prefix(8))")
        let failure = LaneFailure()
        let (broker, handler, topology, settings) = (broker, handler, topology!, environment.settings)
        let thread = JoinableThread(name: "lane-test") {
            var log = Logger(label: "lane-test")
            log.logLevel = .warning
            let connections = LaneConnections(
                broker: broker.connect, database: settings.connectDatabase,
                cache: { throw LaneFailure.CacheAway() })
            do {
                try Lane(
                    handler: handler, index: 0, options: options, connections: connections, topology: topology,
                    shutdown: shutdown, metrics: metrics, health: WorkerHealth(lanes: 1, metrics: metrics), log: log
                ).run()
            } catch {
                failure.error = error
            }
        }
        let finished = broker.wait(until: done)
        shutdown.request()
        thread.join()
        if let error = failure.error { throw error }
        XCTAssertTrue(finished, "the lane did not get there in time")
        return metrics.summary()
    }

    private final class LaneFailure: @unchecked Sendable {
        struct CacheAway: Error {}
        var error: (any Error)?
    }

    private func query(_ sql: String, _ parameters: [any PostgresBindable] = []) throws -> PostgresRows {
        try environment.settings.connectDatabase().query(sql, parameters)
    }

    private func inboxCount() throws -> Int {
        try query("SELECT count(*)::int8 FROM inbox WHERE consumer = $1", [handler.name]).decode(0, 0, as: Int.self)
    }

    private func outboxCount() throws -> Int {
        try query("SELECT count(*)::int8 FROM outbox").decode(0, 0, as: Int.self)
    }

    private func deadLetterCount() throws -> Int {
        try query("SELECT count(*)::int8 FROM dead_letters").decode(0, 0, as: Int.self)
    }

    private func failureState(of message: AMQPMessage) throws -> String? {
        let rows = try query("SELECT state FROM command_failures WHERE message_id = $1", [message.properties.messageId!])
        return rows.isEmpty ? nil : try rows.decode(0, 0, as: String.self)
    }
}
