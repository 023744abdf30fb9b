import AMQPClient
import DeadLetterRecords
import Foundation
import Logging
import PostgresClient
import Settings

/// Takes what arrives in dead-letter queues into the record, acknowledging
/// each copy only once its record is committed. Nothing is ever handed back
/// to a queue, so reading counts as no delivery: a quorum queue's delivery
/// limit never applies. A copy a worker sent is recorded already (its
/// `x-dead-letter-id`) and is only acknowledged; a message that reached a
/// dead-letter queue another way (published straight to it, or by a broker
/// policy) gets its record here.
public final class DeadLetterIntake {
    private let connection: AMQPConnection
    private let database: PostgresConnection
    /// Each dead-letter queue has a channel of its own: a delivery's
    /// channel says which queue it came from.
    private var channels: [UInt16: (queue: String, channel: AMQPChannel)] = [:]
    static let batchSize = 500

    public init(_ queues: [String], settings: ServiceSettings) throws {
        connection = try settings.connectBroker()
        database = try settings.connectDatabase()
        for queue in queues {
            let channel = try connection.openChannel()
            try channel.setPrefetch(UInt16(Self.batchSize))
            _ = try channel.consume(queue)
            channels[channel.id] = (queue, channel)
        }
    }

    deinit { connection.close() }

    /// Records and acknowledges what arrives, in batches, until `idle`
    /// passes with nothing arriving; returns how many records were new.
    @discardableResult
    public func takeIn(idle: Duration) throws -> Int {
        var recorded = 0
        while true {
            var batch: [AMQPDelivery] = []
            while batch.count < Self.batchSize,
                let delivery = try connection.nextDelivery(timeout: batch.isEmpty ? idle : .milliseconds(20))
            {
                batch.append(delivery)
            }
            guard !batch.isEmpty else { return recorded }
            let entries = batch.map { DeadLetterRecords.Entry(arrived: $0.message, queue: channels[$0.channel]?.queue ?? $0.routingKey) }
            recorded += try database.transaction { try DeadLetterRecords.record(entries, consumer: nil, in: $0) }
            for (channel, deliveries) in Dictionary(grouping: batch, by: \.channel) {
                try channels[channel]?.channel.ack(deliveries.map(\.deliveryTag).max()!, multiple: true)
            }
        }
    }

    /// Takes in whatever `queues` hold now, then stops.
    @discardableResult
    public static func drain(_ queues: [String], settings: ServiceSettings) throws -> Int {
        try DeadLetterIntake(queues, settings: settings).takeIn(idle: .milliseconds(300))
    }

    /// Takes in from `queues` until `running` turns false (checked at
    /// least once a second), reconnecting after a failure (the copies wait
    /// in their queues). Blocks its thread: the API runs it on one of its own.
    public static func serve(_ queues: [String], settings: ServiceSettings, log: Logger, while running: () -> Bool) {
        while running() {
            do {
                let intake = try DeadLetterIntake(queues, settings: settings)
                while running() {
                    let recorded = try intake.takeIn(idle: .seconds(1))
                    if recorded > 0 { log.notice("dead letters taken into the record", metadata: ["new": "\(recorded)"]) }
                }
            } catch {
                log.warning("dead-letter intake failed; retrying in 5 s", metadata: ["error": "\(error)"])
                let retry = ContinuousClock.now + .seconds(5)
                while running(), ContinuousClock.now < retry { Thread.sleep(forTimeInterval: 0.1) }
            }
        }
        log.info("dead-letter intake stopped")
    }
}
