import DeadLetterRecords
import Domain
import Foundation
import Logging
import RedisClient

/// Failed messages on their way to a retry tier or the dead-letter queue.
extension Lane {
    /// Sends each failed message to a retry tier or to the dead-letter
    /// queue (see `RetryPolicy`), and waits for the broker to confirm them:
    /// a failed message must be safely queued before its original is
    /// acknowledged. A command's new status, and each dead letter whole, are
    /// recorded in PostgreSQL first, in one transaction (a crash in between
    /// costs a redelivery); returns the cache writes.
    func route(_ failures: [FailedMessage], _ session: inout Session) throws -> [RedisCommand] {
        guard !failures.isEmpty else { return [] }
        let decisions = failures.map { ($0, retryPolicy.decide($0)) }
        let statuses = decisions.filter { handler.hasStatus(type: $0.0.delivery.message.properties.type) }.compactMap { failure, decision in
            failure.delivery.message.properties.messageId.map { id in
                switch decision {
                case .retry(let tier, let delay):
                    CommandFailures.Failure(
                        id: id, state: .retrying, queue: tier, attempts: failure.attempts,
                        errorClass: failure.errorClass.rawValue, error: failure.error, delay: delay)
                case .deadLetter:
                    CommandFailures.Failure(
                        id: id, state: .deadLettered, queue: deadLetterQueue, attempts: failure.attempts,
                        errorClass: failure.errorClass.rawValue, error: failure.error, delay: nil)
                }
            }
        }
        var deadLetters: [DeadLetterRecords.Entry] = []
        let messages = decisions.map { failure, decision in
            var message = failure.message(originQueue: handler.queue)
            if case .deadLetter = decision {
                let letterId = RandomUUID.lowercased()
                message.properties.headers[MessageHeader.deadLetterId] = .string(letterId)
                deadLetters.append(DeadLetterRecords.Entry(letterId: letterId, queue: deadLetterQueue, message: message))
            }
            return message
        }
        try session.database.transaction { db in
            try CommandFailures.record(statuses, consumer: handler.name, in: db)
            try DeadLetterRecords.record(deadLetters, consumer: handler.name, in: db)
        }
        for ((failure, decision), var message) in zip(decisions, messages) {
            let metadata: Logger.Metadata = [
                "message_id": "\(failure.delivery.message.properties.messageId ?? "-")",
                "attempts": "\(failure.attempts)", "error_class": "\(failure.errorClass.rawValue)",
                "error": "\(failure.error)",
            ]
            switch decision {
            case .retry(let tier, let delay):
                // The tier's queue returns it by this routing key (the origin
                // queue's name) when it expires; the broker drops the
                // expiration on the way back.
                message.properties.expiration = String(delay)
                try session.broker.route(message, exchange: tier, routingKey: handler.queue)
                log.notice("retrying through \(tier) in \(delay) ms", metadata: metadata)
            case .deadLetter:
                try session.broker.route(message, exchange: deadLetterExchange, routingKey: deadLetterQueue)
                log.warning("dead-lettered", metadata: metadata)
            }
        }
        try session.broker.waitForRoutedConfirms()
        for (failure, decision) in decisions {
            switch decision {
            case .retry(let tier, _): metrics.retried(tier: tier).increment()
            case .deadLetter: metrics.deadLettered(errorClass: failure.errorClass.rawValue).increment()
            }
        }
        let now = Date()
        return statuses.map { failure in
            CommandStatus(
                failure.state, at: CommandStatus.timestamp(now), attempts: failure.attempts,
                errorClass: failure.errorClass, error: failure.error, queue: failure.queue,
                nextAttemptAt: failure.delay.map { CommandStatus.timestamp(now + Double($0) / 1000) }
            ).write(failure.id)
        }
    }
}
