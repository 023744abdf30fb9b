import AMQPClient
import Domain
import Foundation

/// A message that failed, on its way to a retry tier or to `<queue>.dlq`,
/// with the reason and the attempt count in its headers. The body and
/// original properties are kept as they were, so a retry or a replay sends
/// exactly what the producer sent.
struct FailedMessage {
    /// `invalid` (bad input: never retried); `transient` (failed alone with
    /// an error that may pass: a lock wait timed out, a deadlock or
    /// serialization failure that kept recurring) and `unexpected` (any
    /// other failure alone inside its transaction) are retried through the tiers.
    enum ErrorClass: String, CaseIterable { case invalid, transient, unexpected }

    let delivery: AMQPDelivery
    let error: String
    let errorClass: ErrorClass

    static let worker = "\(ProcessInfo.processInfo.hostName):\(getpid())"

    /// Failures so far, this one included.
    var attempts: Int { Int(delivery.message.properties.headers[MessageHeader.attempts]?.intValue ?? 0) + 1 }

    func message(originQueue: String, at time: Date = Date()) -> AMQPMessage {
        var message = delivery.message
        // A retry's delay is set by the retry policy; a dead letter never expires.
        message.properties.expiration = nil
        let now = time.formatted(.iso8601)
        let previous = message.properties.headers
        message.properties.headers.merge([
            MessageHeader.error: .string(String(error.prefix(1000))),
            MessageHeader.errorClass: .string(errorClass.rawValue),
            MessageHeader.originQueue: .string(originQueue),
            MessageHeader.attempts: .int(Int64(attempts)),
            MessageHeader.firstFailedAt: previous[MessageHeader.firstFailedAt] ?? .string(now),
            MessageHeader.lastFailedAt: .string(now),
            MessageHeader.worker: .string(Self.worker),
        ]) { $1 }
        return message
    }
}
