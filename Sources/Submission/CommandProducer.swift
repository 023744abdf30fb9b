import AMQPClient
import Domain
import Foundation
import Logging
import RedisClient
import Settings
import Topology
import WorkerRuntime

/// Publishes commands to the command exchange with publisher confirms, many
/// in flight. A command counts as accepted only once the broker confirmed
/// it; its status becomes `accepted` in the cache (best effort).
///
/// A broker that goes away mid-chunk (a restart, a failover) costs a
/// reconnect and a republish of the unconfirmed chunk: commands may reach
/// the queue twice, and the workers' inbox applies each once.
public final class CommandProducer {
    private let settings: ServiceSettings
    private let exchange: String
    private let confirmWindow: Int
    private let reconnectFor: Duration
    private var channel: AMQPChannel?
    private var connection: AMQPConnection?
    /// Opened on first use, dropped when it fails: the cache is optional.
    private var cache: RedisConnection?
    private let log = Logger(label: "flexfin.submit")
    /// Failed attempts to publish a chunk (each one followed by a reconnect).
    public private(set) var reconnects = 0

    /// `reconnectFor`: how long a lost broker is waited for before giving up.
    public init(
        settings: ServiceSettings, topology: TopologySpec, confirmWindow: Int = 2048,
        reconnectFor: Duration = .seconds(60)
    ) throws {
        self.settings = settings
        self.exchange = topology.commandExchange
        self.confirmWindow = confirmWindow
        self.reconnectFor = reconnectFor
        try connect()
    }

    private func connect() throws {
        connection?.close()
        let fresh = try settings.connectBroker()
        let opened = try fresh.openChannel()
        try opened.enableConfirms(window: confirmWindow)
        (connection, channel) = (fresh, opened)
    }

    /// Publishes in chunks, confirming each chunk before the next, and
    /// reports progress as the count confirmed so far. `actor`: who sends
    /// them (`MessageHeader.actor`), as this producer knows them; `keyId`:
    /// the API key that submitted them (`MessageHeader.submittedBy`).
    public func publish(
        _ commands: [SubmittedCommand], actor: String? = nil, keyId: String? = nil, chunk: Int = 5000,
        progress: (Int) -> Void = { _ in }
    ) throws {
        let now = Date()
        var headers: [String: AMQPValue] = [
            MessageHeader.schemaVersion: 1, MessageHeader.occurredAt: .int(Int64(now.timeIntervalSince1970 * 1000)),
        ]
        headers[MessageHeader.actor] = actor.map(AMQPValue.string)
        headers[MessageHeader.submittedBy] = keyId.map(AMQPValue.string)
        var confirmed = 0
        if cache == nil { cache = try? settings.connectCache() }
        for start in stride(from: 0, to: commands.count, by: chunk) {
            let part = commands[start..<min(start + chunk, commands.count)]
            try withReconnect {
                for command in part {
                    try channel!.publish(
                        exchange: exchange, routingKey: command.type,
                        message: AMQPMessage(
                            body: command.body,
                            properties: AMQPProperties(
                                contentType: "application/json", messageId: command.commandId, type: command.type,
                                correlationId: command.commandId, appId: "flexfin", persistent: true,
                                timestamp: UInt64(now.timeIntervalSince1970), headers: headers)))
                }
                try channel!.waitForConfirms()
            }
            confirmed += part.count
            do {
                let at = CommandStatus.timestamp()
                _ = try cache?.pipeline(part.map { CommandStatus.accepted($0.commandId, at: at) })
            } catch {
                cache = nil  // the cache is optional; the command is safely queued
            }
            progress(confirmed)
        }
    }

    /// Runs `publishChunk` until the broker confirms it: after a transient
    /// failure, reconnects with backoff (up to `reconnectFor`) and runs it
    /// again whole, since which of its messages were queued is unknown.
    private func withReconnect(_ publishChunk: () throws -> Void) throws {
        let deadline = ContinuousClock.now + reconnectFor
        var backoff = Backoff(first: 0.2)
        while true {
            do {
                if channel == nil { try connect() }
                return try publishChunk()
            } catch let error as AMQPError where error.isRetryable && ContinuousClock.now < deadline {
                log.warning(
                    "broker unavailable; reconnecting in \(backoff.delay)s to publish the unconfirmed chunk again",
                    metadata: ["error": "\(error)"])
                channel = nil
                reconnects += 1
                backoff.pause()
            }
        }
    }
}
