/// A Lua script run with EVALSHA; the connection loads it on first use and
/// falls back to EVAL when the server has forgotten it (restart, SCRIPT FLUSH).
public struct RedisScript: Sendable, Hashable {
    public let source: String
    public init(_ source: String) { self.source = source }
}

/// One entry of a mixed pipeline.
public enum RedisCommand: Sendable {
    case plain([String])
    case script(RedisScript, keys: [String], arguments: [String])
}
