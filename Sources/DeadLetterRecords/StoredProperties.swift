import AMQPClient
import Foundation

/// A message's AMQP properties as JSON text, every header value with its
/// AMQP type, so a dead letter is published again exactly as it was kept.
enum StoredProperties {
    private struct Properties: Codable {
        var contentType, messageId, type, correlationId, appId, expiration: String?
        var persistent: Bool
        var timestamp: UInt64?
        var headers: [String: Value]
    }

    /// One header value and its AMQP type.
    private indirect enum Value: Codable {
        case string(String), int(Int64), bool(Bool), timestamp(UInt64), bytes([UInt8]), table([String: Value]), array([Value]), void

        init(_ value: AMQPValue) {
            switch value {
            case .string(let s): self = .string(s)
            case .int(let i): self = .int(i)
            case .bool(let b): self = .bool(b)
            case .timestamp(let t): self = .timestamp(t)
            case .bytes(let b): self = .bytes(b)
            case .table(let t): self = .table(t.mapValues(Value.init))
            case .array(let a): self = .array(a.map(Value.init))
            case .void: self = .void
            }
        }

        var amqp: AMQPValue {
            switch self {
            case .string(let s): .string(s)
            case .int(let i): .int(i)
            case .bool(let b): .bool(b)
            case .timestamp(let t): .timestamp(t)
            case .bytes(let b): .bytes(b)
            case .table(let t): .table(t.mapValues(\.amqp))
            case .array(let a): .array(a.map(\.amqp))
            case .void: .void
            }
        }
    }

    static func encode(_ p: AMQPProperties) throws -> String {
        let stored = Properties(
            contentType: p.contentType, messageId: p.messageId, type: p.type, correlationId: p.correlationId,
            appId: p.appId, expiration: p.expiration, persistent: p.persistent, timestamp: p.timestamp,
            headers: p.headers.mapValues(Value.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> AMQPProperties {
        let p = try JSONDecoder().decode(Properties.self, from: Data(text.utf8))
        return AMQPProperties(
            contentType: p.contentType, messageId: p.messageId, type: p.type, correlationId: p.correlationId,
            appId: p.appId, expiration: p.expiration, persistent: p.persistent, timestamp: p.timestamp,
            headers: p.headers.mapValues(\.amqp))
    }
}
