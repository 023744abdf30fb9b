import AMQPClient
import Foundation
import RedisClient
import Settings
import Topology
import WorkerRuntime

/// Publishes commands to the command exchange with publisher confirms, many
/// in flight. A command counts as accepted only once the broker confirmed
/// it; its status becomes `accepted` in the cache (best effort).
public final class CommandProducer {
    private let channel: AMQPChannel
    private let connection: AMQPConnection
    private let exchange: String
    private let settings: ServiceSettings

    public init(settings: ServiceSettings, topology: TopologySpec, confirmWindow: Int = 2048) throws {
        self.settings = settings
        self.connection = try settings.connectBroker()
        self.channel = try connection.openChannel()
        try channel.enableConfirms(window: confirmWindow)
        self.exchange = topology.commandExchange
    }

    /// Publishes in chunks, confirming each chunk before the next, and
    /// reports progress as the count confirmed so far.
    public func publish(_ commands: [SubmittedCommand], chunk: Int = 5000, progress: (Int) -> Void = { _ in }) throws {
        let now = UInt64(Date().timeIntervalSince1970)
        var confirmed = 0
        var cache = try? settings.connectCache()
        for start in stride(from: 0, to: commands.count, by: chunk) {
            let part = commands[start..<min(start + chunk, commands.count)]
            for command in part {
                try channel.publish(exchange: exchange, routingKey: command.type, message: AMQPMessage(
                    body: command.body,
                    properties: AMQPProperties(contentType: "application/json", messageId: command.commandId, type: command.type,
                                               correlationId: command.commandId, appId: "flexfin", persistent: true,
                                               timestamp: now, headers: ["x-schema-version": 1])))
            }
            try channel.waitForConfirms()
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
}
