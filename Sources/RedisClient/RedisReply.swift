import CHiredis

/// One reply, copied out of hiredis' reply object.
public indirect enum RedisReply: Sendable, Equatable {
    case string([UInt8])
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    case error(String)
    case null

    public var string: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let s): s
        default: nil
        }
    }

    public var integer: Int64? {
        switch self {
        case .integer(let i): i
        case .string: string.flatMap { Int64($0) }
        default: nil
        }
    }

    public var array: [RedisReply]? { if case .array(let a) = self { a } else { nil } }

    init(_ reply: UnsafeMutablePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .string(r.str.map { Array(UnsafeRawBufferPointer(start: $0, count: r.len)) } ?? [])
        case REDIS_REPLY_STATUS:
            self = .status(r.str.map { String(cString: $0) } ?? "")
        case REDIS_REPLY_ERROR:
            self = .error(r.str.map { String(cString: $0) } ?? "error")
        case REDIS_REPLY_INTEGER:
            self = .integer(r.integer)
        case REDIS_REPLY_ARRAY:
            self = .array((0..<r.elements).map { RedisReply(r.element[$0]!) })
        default:
            self = .null
        }
    }
}
