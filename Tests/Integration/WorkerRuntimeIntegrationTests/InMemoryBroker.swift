import AMQPClient
import Foundation

@testable import WorkerRuntime

/// One queue and a record of everything published, in memory, for driving
/// a lane without RabbitMQ. It keeps the promises the lane relies on: at
/// most `prefetch` deliveries unacknowledged, a cancelled consumer gets no
/// more, and what a session delivered and did not acknowledge goes back to
/// the queue, marked redelivered, when the session ends.
final class InMemoryBroker: @unchecked Sendable {
    struct Published: Sendable {
        let exchange: String
        let routingKey: String
        let message: AMQPMessage
    }

    /// Guards every field below; signalled on every change.
    private let condition = NSCondition()
    private var ready: [(message: AMQPMessage, redelivered: Bool)] = []
    private var events: [Published] = []
    private var routed: [Published] = []
    private var acknowledged = 0
    private var handedBack = 0
    private var sessions = 0
    /// Events published from now on are refused (nacked) while true.
    private var refusingEvents = false
    /// The next ack fails as a lost connection would.
    private var losingNextAck = false

    func enqueue(_ messages: [AMQPMessage], redelivered: Bool = false) {
        locked { ready += messages.map { ($0, redelivered) } }
    }

    func refuseEvents(_ refusing: Bool) { locked { refusingEvents = refusing } }
    func loseConnectionAtNextAck() { locked { losingNextAck = true } }

    var publishedEvents: [Published] { locked { events } }
    var routedMessages: [Published] { locked { routed } }
    /// Messages acknowledged, and handed back by a session that ended holding them.
    var acknowledgedCount: Int { locked { acknowledged } }
    var handedBackCount: Int { locked { handedBack } }
    var waitingCount: Int { locked { ready.count } }
    var sessionsOpened: Int { locked { sessions } }

    /// A session, as `LaneConnections.broker` makes one.
    func connect(lane: String) throws -> any BrokerSession {
        locked { sessions += 1 }
        return Session(broker: self)
    }

    /// Waits until `condition` holds, for at most `timeout`.
    func wait(for timeout: Duration = .seconds(10), until holds: (InMemoryBroker) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !holds(self) {
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }

    private static func lost(_ operation: String) -> AMQPError {
        AMQPError(.connectionLost, operation: operation, endpoint: "in-memory", detail: "the test took the connection away")
    }

    final class Session: BrokerSession {
        private let broker: InMemoryBroker
        private var queue: String?
        private var prefetch = 0
        private var unacknowledged: [(tag: UInt64, message: AMQPMessage)] = []
        private var lastTag: UInt64 = 0
        private var lastSequence: UInt64 = 0
        private var refused: [UInt64] = []
        private var closed = false

        init(broker: InMemoryBroker) { self.broker = broker }

        func consume(_ queue: String, prefetch: UInt16) throws {
            broker.locked { (self.queue, self.prefetch) = (queue, Int(prefetch)) }
        }

        func cancelConsuming() throws { broker.locked { queue = nil } }

        func nextDelivery(timeout: Duration) throws -> AMQPDelivery? {
            let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
            broker.condition.lock()
            defer { broker.condition.unlock() }
            while queue == nil || unacknowledged.count >= prefetch || broker.ready.isEmpty {
                guard broker.condition.wait(until: deadline) else { return nil }
            }
            let (message, redelivered) = broker.ready.removeFirst()
            lastTag += 1
            unacknowledged.append((lastTag, message))
            return AMQPDelivery(
                channel: 1, deliveryTag: lastTag, redelivered: redelivered, exchange: "", routingKey: queue!, message: message)
        }

        func ack(through deliveryTag: UInt64) throws {
            try broker.locked {
                if broker.losingNextAck {
                    broker.losingNextAck = false
                    throw InMemoryBroker.lost("basic.ack")
                }
                let done = unacknowledged.prefix { $0.tag <= deliveryTag }.count
                unacknowledged.removeFirst(done)
                broker.acknowledged += done
            }
        }

        func publishEvent(_ message: AMQPMessage, exchange: String, routingKey: String) throws -> UInt64 {
            broker.locked {
                lastSequence += 1
                if broker.refusingEvents {
                    refused.append(lastSequence)
                } else {
                    broker.events.append(Published(exchange: exchange, routingKey: routingKey, message: message))
                }
                return lastSequence
            }
        }

        func settledEvents() throws -> SettledConfirms {
            broker.locked {
                defer { refused = [] }
                return SettledConfirms(through: lastSequence, refused: refused)
            }
        }

        func waitUntilEventsSettled() throws {}

        func waitForEventConfirms() throws {
            let refusals = broker.locked {
                defer { refused = [] }
                return refused
            }
            if !refusals.isEmpty { throw AMQPError(.publishNacked, operation: "publish", endpoint: "in-memory", detail: "\(refusals)") }
        }

        func route(_ message: AMQPMessage, exchange: String, routingKey: String) throws {
            broker.locked { broker.routed.append(Published(exchange: exchange, routingKey: routingKey, message: message)) }
        }

        func waitForRoutedConfirms() throws {}

        func close() {
            broker.locked {
                guard !closed else { return }
                closed = true
                broker.ready.insert(contentsOf: unacknowledged.map { ($0.message, true) }, at: 0)
                broker.handedBack += unacknowledged.count
                unacknowledged = []
            }
        }
    }
}
