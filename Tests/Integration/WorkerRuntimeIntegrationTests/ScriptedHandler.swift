import Domain
import Foundation
import PostgresClient

@testable import WorkerRuntime

/// A command handler whose messages say what becomes of them: `apply`,
/// `reject`, `event` (one follow-up event), `poison` (throws, failing its
/// whole transaction) or `slow` (takes a fifth of a second). A body that is
/// not one of these is invalid. It records the ids of every batch it was
/// given, committed or not.
struct ScriptedHandler: BatchHandler {
    struct Message: Sendable {
        let id: String
        let script: String
    }

    struct Poisoned: Error {}

    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var batches: [[String]] = []
        func record(_ ids: [String]) { lock.withLock { batches.append(ids) } }
        var all: [[String]] { lock.withLock { batches } }
    }

    static let scripts: Set<String> = ["apply", "reject", "event", "poison", "slow"]

    let consumer = Consumer.payments
    let queue = "commands.payment"
    let calls = Calls()

    func decode(_ message: InboundMessage) throws(InvalidMessage) -> Message {
        guard let id = message.id else { throw InvalidMessage(field: nil, "no message id") }
        let script = String(decoding: message.body, as: UTF8.self)
        guard Self.scripts.contains(script) else { throw InvalidMessage(field: nil, "no such script: \(script)") }
        return Message(id: id, script: script)
    }

    func id(of message: Message) -> String { message.id }

    func digest(of message: Message) -> String? { message.script }

    func apply(_ messages: [Message], in database: PostgresConnection) throws -> BatchEffects {
        calls.record(messages.map(\.id))
        var effects = BatchEffects()
        for message in messages {
            switch message.script {
            case "poison": throw Poisoned()
            case "slow": Thread.sleep(forTimeInterval: 0.2)
            case "reject": effects.rejections[message.id] = "scripted rejection"
            case "event":
                let action = DeadLetterAction(actor: "lane test", queue: queue, filter: "all", count: 1)
                effects.events.append(DomainEvent(.deadLettersPurged(action), occurredAt: Date(), commandId: message.id))
            default: break
            }
        }
        return effects
    }
}
