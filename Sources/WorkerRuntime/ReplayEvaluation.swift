import AMQPClient
import PostgresClient

/// What replaying messages to a handler would do, found by applying them
/// one after another (each sees the ones before, as a real replay would) in
/// a transaction that is rolled back: nothing is kept, nothing published.
public enum ReplayEvaluation {
    public enum Verdict: Sendable, Equatable, CustomStringConvertible {
        case wouldApply
        case wouldBeRejected(reason: String)
        /// Its id is in the inbox: a replay is acknowledged with no effect.
        case alreadyProcessed(outcome: String)
        /// Its id is in the inbox for other content: it would be refused.
        case conflict(firstOutcome: String)
        case invalid(String)
        case wouldFail(String)

        /// The kind of outcome, for a summary by count.
        public var label: String {
            switch self {
            case .wouldApply: "would apply"
            case .wouldBeRejected: "would be rejected"
            case .alreadyProcessed: "already processed"
            case .conflict: "conflict"
            case .invalid: "invalid"
            case .wouldFail: "would fail"
            }
        }

        public var description: String {
            switch self {
            case .wouldApply: label
            case .wouldBeRejected(let reason): "\(label): \(reason)"
            case .alreadyProcessed(let outcome): "\(label) (\(outcome)): no effect"
            case .conflict(let outcome): "\(label): its id was used for another command (\(outcome)); it would be refused"
            case .invalid(let error): "\(label), would be dead-lettered again: \(error)"
            case .wouldFail(let error): "\(label): \(error)"
            }
        }

        public static let labels = ["would apply", "would be rejected", "already processed", "conflict", "invalid", "would fail"]
    }

    public static func evaluate<Handler: BatchHandler>(
        _ messages: [AMQPMessage], with handler: Handler,
        in database: PostgresConnection
    ) throws -> [Verdict] {
        try database.rolledBackTransaction { db in
            try messages.map { message -> Verdict in
                let decoded: Handler.Message
                do { decoded = try handler.decode(InboundMessage(message)) } catch { return .invalid("\(error)") }
                let id = handler.id(of: decoded)
                let digest = handler.digest(of: decoded)
                if !handler.isIdempotentByNaturalKey, let earlier = try Inbox.recorded([id], consumer: handler.name, in: db)[id] {
                    if let digest, let first = earlier.digest, digest != first { return .conflict(firstOutcome: earlier.outcome) }
                    return .alreadyProcessed(outcome: earlier.outcome)
                }
                do {
                    return try db.savepoint { db in
                        if !handler.isIdempotentByNaturalKey { _ = try Inbox.admit([(id, digest, nil)], consumer: handler.name, in: db) }
                        let effects = try handler.apply([decoded], in: db)
                        return effects.rejections[id].map { .wouldBeRejected(reason: $0) } ?? .wouldApply
                    }
                } catch let error as PostgresError where !db.isConnected {
                    throw error
                } catch {
                    return .wouldFail("\(error)")
                }
            }
        }
    }
}
