/// Anything sent as one argument of a Redis command, as raw bytes: commands
/// are binary safe (values may hold NUL or CRLF). Lent, not copied: the
/// bytes go straight into the command's wire form (`RESPBuffer`).
public protocol RedisArgument {
    func withRedisBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension String: RedisArgument {
    public func withRedisBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var text = self
        return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

extension Substring: RedisArgument {
    public func withRedisBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var text = self
        return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

/// Integers go as their decimal text, as Redis reads them.
extension RedisArgument where Self: BinaryInteger {
    public func withRedisBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try String(self).withRedisBytes(body)
    }
}

extension Int: RedisArgument {}
extension Int64: RedisArgument {}

extension Array: RedisArgument where Element == UInt8 {
    public func withRedisBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}
