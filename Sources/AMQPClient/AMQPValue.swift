/// A value of an AMQP field table (queue arguments, message headers).
public indirect enum AMQPValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case bool(Bool)
    /// Seconds since the epoch, as AMQP timestamps are.
    case timestamp(UInt64)
    case bytes([UInt8])
    case table(AMQPTable)
    case array([AMQPValue])
    case void

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var intValue: Int64? { if case .int(let i) = self { i } else { nil } }
    public var tableValue: AMQPTable? { if case .table(let t) = self { t } else { nil } }
    public var arrayValue: [AMQPValue]? { if case .array(let a) = self { a } else { nil } }

    public var description: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .bool(let b): String(b)
        case .timestamp(let t): "@\(t)"
        case .bytes(let b): "<\(b.count) bytes>"
        case .table(let t): "{" + t.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "}"
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .void: "void"
        }
    }
}

extension AMQPValue: ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

public typealias AMQPTable = [String: AMQPValue]
