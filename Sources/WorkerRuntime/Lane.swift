import AMQPClient
import Domain
import Foundation
import Logging
import PostgresClient
import RedisClient
import Topology

/// One thread of a worker process with its own connections: consume a
/// batch, apply it in one transaction, publish its events, ack it. On a
/// connection failure it drops every connection (unacked deliveries go
/// back to the broker untouched) and starts again with backoff.
final class Lane<Handler: BatchHandler> {
    typealias Item = (delivery: AMQPDelivery, message: Handler.Message)

    let handler: Handler
    /// `lane N`: names its broker connections.
    private let name: String
    private let index: Int
    private let options: WorkerOptions
    private let connections: LaneConnections
    let deadLetterExchange: String
    let deadLetterQueue: String
    let retryPolicy: RetryPolicy
    private let outbox: Outbox
    private let shutdown: ShutdownSignal
    let metrics: WorkerMetrics
    private let health: WorkerHealth
    let log: Logger
    /// Outlives sessions: a fault ends the session it happens in.
    private var faults: BrokerFaultWindow

    init(
        handler: Handler, index: Int, options: WorkerOptions, connections: LaneConnections, topology: TopologySpec,
        shutdown: ShutdownSignal, metrics: WorkerMetrics, health: WorkerHealth, log: Logger
    ) throws {
        self.handler = handler
        self.name = "lane \(index)"
        self.index = index
        self.options = options
        self.connections = connections
        self.faults = BrokerFaultWindow(quiet: .seconds(options.brokerFaultQuietSeconds))
        self.deadLetterExchange = topology.deadLetterExchange
        let queue = try topology.queue(named: handler.queue)
        self.deadLetterQueue = queue.deadLetterQueue
        self.retryPolicy = RetryPolicy(topology: topology, queue: queue)
        self.outbox = Outbox(exchange: topology.eventExchange)
        self.shutdown = shutdown
        self.metrics = metrics
        metrics.declare(tiers: retryPolicy.tiers.map(\.name))
        self.health = health
        self.log = log
    }

    /// Serves until shutdown, reconnecting with backoff after any failure,
    /// except one that retrying cannot fix before the lane ever consumed (a
    /// malformed connection string, a wrong password): that is
    /// configuration, thrown so the process exits and says so.
    func run() throws {
        var backoff = Backoff()
        while !shutdown.isRequested {
            let began = ContinuousClock.now
            do {
                try serve()
            } catch {
                guard hasConsumed || ServiceError.isRetryable(error) ?? true else { throw error }
                metrics.reconnect(Self.service(failing: error))
                if error is AMQPError { faults.fault(at: .now) }
                // A session that lasted was not part of an outage: start the backoff afresh.
                if ContinuousClock.now - began > .seconds(30) { backoff.reset() }
                let pause = backoff.nextPause()
                log.error("lane stopped by an error; reconnecting in \(String(format: "%.2f", pause))s", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: pause)
            }
        }
    }

    private var hasConsumed = false

    /// Which service's failure ended a session, for the reconnect counter.
    private static func service(failing error: any Error) -> String {
        switch error {
        case is AMQPError: "broker"
        case is PostgresError: "database"
        default: "other"
        }
    }

    // MARK: - Connections

    /// The connections of one session, dropped together on failure.
    struct Session {
        let broker: any BrokerSession
        let database: PostgresConnection
        let cache: CacheLink
        /// Events published, by sequence number, not yet known to be confirmed.
        var awaitingConfirm: [(sequence: UInt64, entry: Outbox.Entry)] = []
    }

    /// Consumes until shutdown is requested; throws when a connection fails.
    /// Whatever way it ends, it closes the broker session it opened (the
    /// others close when their owners go): a reconnect loop must not leave a
    /// connection behind per attempt.
    private func serve() throws {
        let broker = try connections.broker(name)
        defer {
            broker.close()
            health.update(lane: index) { $0 = .init() }
        }
        health.update(lane: index) { $0.broker = true }
        let database = try connections.database()
        try database.query("SET lock_timeout = \(options.lockTimeoutMilliseconds)")
        health.update(lane: index) { $0.database = true }
        let cache = CacheLink(connect: connections.cache, snapshot: { [handler] in try handler.cacheSnapshot(in: database) }, log: log) {
            [health, index, metrics] available, returned in
            health.update(lane: index) { $0.cache = available }
            if returned { metrics.reconnect("cache") }
        }
        cache.write([])
        var session = Session(broker: broker, database: database, cache: cache)
        try relayStaleEvents(session)
        // Probation: one message at a time while the deliveries are ones
        // a crashed consumer handed back (they come first). A poison message
        // among them then takes only itself to the delivery limit, not the
        // neighbours that happened to share its batch.
        try broker.consume(handler.queue, prefetch: 1)
        var window = 1
        hasConsumed = true
        health.update(lane: index) { $0.consuming = true }
        log.info("consuming \(handler.queue)")
        var lastRelay = ContinuousClock.now
        while !shutdown.isRequested {
            let batch = try collectBatch(from: broker)
            if window == 1 && !batch.allSatisfy(\.redelivered) {
                // The broker applies a prefetch to consumers started after
                // it: consume again with the full window. (Safe to cancel:
                // the one delivery the window allows is in hand, see below.)
                window = Int(options.effectivePrefetch)
                try broker.cancelConsuming()
                try broker.consume(handler.queue, prefetch: options.effectivePrefetch)
            }
            if batch.isEmpty {
                try markConfirmed(&session)
                session.cache.write([])  // reconnects, when Redis was away
            } else {
                try process(batch, &session)
            }
            // Under load too: another worker may have died with events unpublished.
            if ContinuousClock.now - lastRelay > .seconds(2) {
                try relayStaleEvents(session)
                try measureOutbox(session.database)
                lastRelay = .now
            }
        }
        // Stop deliveries, then finish what was delivered: handed back, each
        // would count one more delivery toward the queue's x-delivery-limit,
        // deploy after deploy. A quorum queue (RabbitMQ 3.10) hands back by
        // itself what was on its way to a consumer when it was cancelled
        // (rabbitmq-server#3729), so first take deliveries without acking
        // until the window is full (the broker may send no more) or none came
        // for a second (the queue is drained); only then cancel. A trickle
        // that does neither is cut off after 5 s: shutdown stays bounded.
        var held = try collect(from: broker, upTo: window, quietFor: .seconds(1), within: .seconds(5))
        try broker.cancelConsuming()
        while case let rest = try collectBatch(from: broker), !rest.isEmpty { held += rest }
        for start in stride(from: 0, to: held.count, by: options.batchSize) {
            try process(Array(held[start..<min(start + options.batchSize, held.count)]), &session)
        }
        try markConfirmed(&session)
        log.info("stopped consuming \(handler.queue)")
    }

    /// Not while a broker fault is recent: a publish then may be lost
    /// though confirmed (see `BrokerFaultWindow`), and the relay deletes
    /// what it published. Lanes that saw no fault relay meanwhile.
    private func relayStaleEvents(_ session: Session) throws {
        guard !faults.isOpen(at: .now) else { return }
        let held = faults.takeHeld(at: .now)
        if !held.isEmpty {
            let again = try outbox.relay(held, database: session.database, broker: session.broker)
            log.notice("published again \(again) events confirmed during a broker fault")
        }
        // Older than any live lane takes to mark its own events published.
        let relayed = try outbox.relayStale(olderThan: 5, database: session.database, broker: session.broker)
        if relayed > 0 { log.notice("relayed \(relayed) events left unpublished by an earlier crash") }
    }

    private func measureOutbox(_ database: PostgresConnection) throws {
        let rows = try database.execute(
            prepared: """
                SELECT coalesce(sum(events), 0)::int8 AS events,
                       coalesce(extract(epoch FROM now() - min(created_at)) * 1000, 0)::int8 AS oldest_milliseconds
                FROM outbox
                """, [])
        metrics.outboxBacklog.set(to: Double(try rows.decode(0, "events", as: Int64.self)))
        metrics.outboxOldestAge.set(to: Double(try rows.decode(0, "oldest_milliseconds", as: Int64.self)) / 1000)
    }

    /// Up to `batchSize` messages (a bundle counts its events): waits for the first (briefly, to look
    /// at the shutdown flag), then at most `batchMilliseconds` for more.
    private func collectBatch(from broker: any BrokerSession) throws -> [AMQPDelivery] {
        guard let first = try broker.nextDelivery(timeout: .milliseconds(250)) else { return [] }
        var batch = [first]
        var weight = first.weight
        let deadline = ContinuousClock.now + .milliseconds(options.batchMilliseconds)
        while weight < options.batchSize,
            let next = try broker.nextDelivery(timeout: max(deadline - .now, .zero))
        {
            batch.append(next)
            weight += next.weight
        }
        return batch
    }

    /// Up to `count` deliveries, until none has come for `quiet`, for at most `limit`.
    private func collect(
        from broker: any BrokerSession, upTo count: Int, quietFor quiet: Duration,
        within limit: Duration
    ) throws -> [AMQPDelivery] {
        let deadline = ContinuousClock.now + limit
        var deliveries: [AMQPDelivery] = []
        while deliveries.count < count, ContinuousClock.now < deadline,
            let next = try broker.nextDelivery(timeout: min(quiet, max(deadline - .now, .zero)))
        {
            deliveries.append(next)
        }
        return deliveries
    }

    // MARK: - One batch

    private func process(_ batch: [AMQPDelivery], _ session: inout Session) throws {
        let started = ContinuousClock.now
        var phaseStart = started
        func phase(_ name: String) {
            let now = ContinuousClock.now
            metrics.phase(name).record(now - phaseStart)
            phaseStart = now
        }
        var items: [Item] = []
        var failures: [FailedMessage] = []
        let parts = batch.flatMap(\.parts)
        for delivery in parts {
            do {
                let message = try handler.decode(InboundMessage(delivery.message))
                items.append((delivery.named(handler.id(of: message)), message))
            } catch {
                failures.append(FailedMessage(delivery: delivery, error: "\(error)", errorClass: .invalid))
            }
        }

        phase("decode")
        // Events published after the previous batch: once confirmed they are
        // marked inside this batch's transaction (no round trip of its own).
        var confirmed = try collectConfirmed(&session)
        var applied = Applied()
        // A later copy of an id within the batch waits for a transaction of
        // its own, where the inbox tells a duplicate from a conflict.
        for round in rounds(items) {
            applied.merge(try apply(round, confirmed: confirmed, session.database))
            confirmed = []
        }
        failures += applied.failures
        phase("transaction")
        record(applied, items)

        applied.effects.cache += try route(failures, &session)
        // Before the ack: a crash before it means redelivery, and the
        // redelivered duplicates repair the cache (see applyOnce).
        session.cache.write(applied.effects.cache)
        phase("cache")

        // The effects and their events are committed (the outbox holds the
        // events), so the batch can be acknowledged now; the events follow.
        try session.broker.ack(through: batch.map(\.deliveryTag).max()!)
        session.awaitingConfirm += try outbox.publish(applied.entries, on: session.broker)
        phase("ack, publish")

        metrics.batchSize.record(Double(parts.count))
        metrics.batchDuration.record(ContinuousClock.now - started)
    }

    /// Counts a committed batch's outcomes, and each message's time from
    /// its occurrence (the `x-occurred-at` header) to now, its commit.
    private func record(_ applied: Applied, _ items: [Item]) {
        metrics.processed.increment(by: Int64(applied.processed))
        metrics.rejected.increment(by: Int64(applied.rejected))
        metrics.duplicates.increment(by: Int64(applied.duplicates))
        metrics.conflicts.increment(by: Int64(applied.conflicts))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for item in items {
            guard let occurred = item.delivery.message.properties.headers[MessageHeader.occurredAt]?.intValue else { continue }
            metrics.latency.record(.milliseconds(max(0, now - occurred)))
        }
    }

    /// The items in rounds in which no id appears twice, in delivery order.
    private func rounds(_ items: [Item]) -> [[Item]] {
        // Most batches hold each id once: one round, the array itself (the
        // lane is generic, so each item copied is a runtime tuple copy).
        let ids = items.map { handler.id(of: $0.message) }
        if Set(ids).count == ids.count { return [items] }
        var rounds: [[Item]] = []
        var seen: [Set<String>] = []
        for (item, id) in zip(items, ids) {
            let round = seen.firstIndex { !$0.contains(id) } ?? seen.count
            if round == seen.count {
                rounds.append([])
                seen.append([])
            }
            rounds[round].append(item)
            seen[round].insert(id)
        }
        return rounds
    }

    /// The published events the broker has confirmed by now, without
    /// waiting (the lane goes on with the next batch meanwhile); they are
    /// marked published in the next transaction. Waits only when more than
    /// `confirmWindow` are unsettled. A refused or returned event is never
    /// marked: the outbox relay publishes it again later.
    private func collectConfirmed(_ session: inout Session, wait: Bool = false) throws -> [Outbox.Entry] {
        guard !session.awaitingConfirm.isEmpty else { return [] }
        // Refusals stay for `settledEvents` to report, sequence by sequence.
        if wait || session.awaitingConfirm.count > options.confirmWindow { try session.broker.waitUntilEventsSettled() }
        let settled = try session.broker.settledEvents()
        if !settled.refused.isEmpty { faults.fault(at: .now) }
        if !settled.refused.isEmpty || !settled.returned.isEmpty {
            log.warning(
                "events not confirmed; the outbox relay will publish them again",
                metadata: ["refused": "\(settled.refused.count)", "returned": "\(settled.returned.count)"])
        }
        let refused = Set(settled.refused)
        let returned = Set(settled.returned)
        let done = session.awaitingConfirm.prefix { $0.sequence <= settled.through }
        session.awaitingConfirm.removeFirst(done.count)
        let confirmed = done.filter { !refused.contains($0.sequence) && !returned.contains($0.entry.messageId) }.map(\.entry)
        return faults.release(confirmed, id: \.messageId, at: .now)
    }

    /// When idle or stopping: wait for every confirm and mark what was
    /// confirmed in a statement of its own.
    private func markConfirmed(_ session: inout Session) throws {
        try Outbox.markPublished(try collectConfirmed(&session, wait: true), in: session.database)
    }
}
