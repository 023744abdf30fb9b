import AMQPClient
import Domain
import Foundation

/// One dead letter, as an operator sees it: derived from the message as
/// it was dead-lettered (its headers say why), whether read from its record
/// or taken in from a dead-letter queue.
public struct DeadLetter: Codable, Sendable {
    /// The record's id (`dead_letters.letter_id`).
    public let letterId: String
    /// The message id.
    public let id: String
    public let type: String
    public let errorClass: String
    public let error: String
    public let attempts: Int
    public let originQueue: String
    public let firstFailedAt: String?
    public let lastFailedAt: String?
    /// Seconds since the last failure (or since publishing, for messages the
    /// broker dead-lettered itself, or since the record was taken).
    public let ageSeconds: Int
    public let body: String
    public let headers: [String: String]
    /// Groups letters that failed alike (see `ErrorFingerprint`).
    public let fingerprint: String
    /// The money the message would move, when its body names an amount and
    /// a currency (payments, repayments); nil otherwise.
    public let money: Money?

    public struct Money: Codable, Sendable, Equatable {
        public let minorUnits: Int64
        public let currency: String
    }

    public init(_ message: AMQPMessage, letterId: String, queue: String, recordedAt: Date? = nil, now: Date = Date()) {
        self.letterId = letterId
        let h = message.properties.headers
        let death = h[MessageHeader.death]?.arrayValue?.first?.tableValue
        id = message.properties.messageId ?? "-"
        type = message.properties.type ?? "-"
        // A message the broker dead-lettered (rejected, or over the delivery
        // limit) carries x-death instead of our x-error headers.
        errorClass = h[MessageHeader.errorClass]?.stringValue ?? death?["reason"]?.stringValue.map { "broker:\($0)" } ?? "-"
        error = h[MessageHeader.error]?.stringValue ?? death?["reason"]?.stringValue ?? "-"
        attempts = Int(h[MessageHeader.attempts]?.intValue ?? death?["count"]?.intValue ?? 0)
        originQueue = h[MessageHeader.originQueue]?.stringValue ?? death?["queue"]?.stringValue ?? queue
        firstFailedAt = h[MessageHeader.firstFailedAt]?.stringValue
        lastFailedAt = h[MessageHeader.lastFailedAt]?.stringValue
        let failedAt =
            lastFailedAt.flatMap { try? Date($0, strategy: .iso8601) }
            ?? message.properties.timestamp.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? recordedAt
        ageSeconds = failedAt.map { max(0, Int(now.timeIntervalSince($0))) } ?? 0
        body = String(decoding: message.body, as: UTF8.self)
        headers = h.mapValues(\.description)
        fingerprint = ErrorFingerprint.of(errorClass: errorClass, error: error)
        if case .object(let fields)? = try? JSONValue.parse(message.body), case .integer(let amount)? = fields["amount"],
            case .string(let currency)? = fields["currency"]
        {
            money = Money(minorUnits: amount, currency: currency)
        } else {
            money = nil
        }
    }
}

/// Which dead letters an operation applies to; every given condition must hold.
public struct DeadLetterFilter: Sendable, CustomStringConvertible {
    public var ids: Set<String> = []
    public var type: String?
    public var errorClass: String?
    public var olderThanSeconds: Int?
    public var grep: String?
    public var fingerprint: String?
    /// Everything, when no condition is given and `all` is set.
    public var all = false

    public init() {}

    public var isEmpty: Bool {
        ids.isEmpty && type == nil && errorClass == nil && olderThanSeconds == nil && grep == nil && fingerprint == nil
    }

    public func matches(_ letter: DeadLetter) -> Bool {
        if all && isEmpty { return true }
        if isEmpty { return false }
        if !ids.isEmpty && !ids.contains(letter.id) { return false }
        if let type, letter.type != type { return false }
        if let errorClass, letter.errorClass != errorClass { return false }
        if let olderThanSeconds, letter.ageSeconds < olderThanSeconds { return false }
        if let grep, !(letter.error.contains(grep) || letter.body.contains(grep)) { return false }
        if let fingerprint, letter.fingerprint != fingerprint { return false }
        return true
    }

    public var description: String {
        if all && isEmpty { return "all" }
        var parts: [String] = []
        if !ids.isEmpty { parts.append("id in \(ids.sorted().joined(separator: ","))") }
        if let type { parts.append("type=\(type)") }
        if let errorClass { parts.append("error-class=\(errorClass)") }
        if let olderThanSeconds { parts.append("older-than=\(olderThanSeconds)s") }
        if let grep { parts.append("grep=\(grep)") }
        if let fingerprint { parts.append("fingerprint=\(fingerprint)") }
        return parts.joined(separator: " ")
    }
}
