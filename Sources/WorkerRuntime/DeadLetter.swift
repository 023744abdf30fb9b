import AMQPClient
import Foundation

/// A message that will not be applied, on its way to `<queue>.dlq` with the
/// reason in its headers. The body and original properties are kept as
/// they were, so a replay sends exactly what the producer sent.
struct DeadLetter {
    /// `invalid` (bad input, never retried), `unexpected` (failed alone).
    enum ErrorClass: String { case invalid, unexpected }

    let delivery: AMQPDelivery
    let error: String
    let errorClass: ErrorClass

    static let worker = "\(ProcessInfo.processInfo.hostName):\(getpid())"

    func message(originQueue: String, at time: Date = Date()) -> AMQPMessage {
        var message = delivery.message
        let now = time.formatted(.iso8601)
        let previous = message.properties.headers
        message.properties.headers.merge([
            "x-error": .string(String(error.prefix(1000))),
            "x-error-class": .string(errorClass.rawValue),
            "x-origin-queue": .string(originQueue),
            "x-attempts": .int((previous["x-attempts"]?.intValue ?? 0) + 1),
            "x-first-failed-at": previous["x-first-failed-at"] ?? .string(now),
            "x-last-failed-at": .string(now),
            "x-worker": .string(Self.worker),
        ]) { $1 }
        return message
    }
}
