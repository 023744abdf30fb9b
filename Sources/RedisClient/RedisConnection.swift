import CHiredis
import Glibc

/// One hiredis connection, owned: freed with redisFree in deinit.
///
/// Not thread-safe by design: it belongs to one thread. After an I/O error
/// hiredis cannot reuse a context, so the connection reports every later
/// call as `.connectionLost`; make a new one.
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    public let endpoint: RedisEndpoint
    private var scriptHashes: [RedisScript: String] = [:]

    public init(endpoint: RedisEndpoint, timeout: Duration = .seconds(2)) throws(RedisError) {
        let (seconds, attoseconds) = timeout.components
        let tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), tv) else {
            throw RedisError(.connectionFailed, operation: "connect", endpoint: endpoint.description, detail: "out of memory")
        }
        self.context = context
        self.endpoint = endpoint
        if context.pointee.err != 0 {
            throw self.error("connect", connecting: true)
        }
        redisSetTimeout(context, tv)
        if let password = endpoint.password { try command(["AUTH"] + (endpoint.user.map { [$0] } ?? []) + [password]) }
        if endpoint.database != 0 { try command(["SELECT", endpoint.database]) }
    }

    deinit { redisFree(context) }

    public var isConnected: Bool { context.pointee.err == 0 }

    /// Sends one command and waits for its reply. An error reply throws
    /// `.serverError` with the server's text.
    @discardableResult
    public func command(_ arguments: [any RedisArgument]) throws(RedisError) -> RedisReply {
        let name = Self.name(of: arguments)
        try ensureUsable(name)
        try append([arguments], name)
        let reply = try nextReply(name)
        if case .error(let message) = reply {
            throw RedisError(.serverError, operation: name, endpoint: endpoint.description, detail: message)
        }
        return reply
    }

    /// Pipelining: appends every command to the output buffer, then reads all
    /// replies — one round trip for the lot. Error replies come back as
    /// `.error` values in their place, so one bad command spoils nothing else.
    public func pipeline(_ commands: [[any RedisArgument]]) throws(RedisError) -> [RedisReply] {
        try ensureUsable("pipeline")
        guard !commands.isEmpty else { return [] }
        try append(commands, "pipeline (append)")
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try nextReply("pipeline (read)")) }
        return replies
    }

    /// Queues the commands in hiredis's output buffer; the first reply read sends them.
    private func append(_ commands: [[any RedisArgument]], _ operation: String) throws(RedisError) {
        var wire = RESPBuffer()
        for arguments in commands { wire.append(arguments) }
        let status = wire.bytes.withUnsafeBytes { raw in
            redisAppendFormattedCommand(context, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard status == REDIS_OK else { throw error(operation) }
    }

    private func nextReply(_ operation: String) throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw error(operation) }
        defer { freeReplyObject(raw) }
        return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Runs a script by its SHA1 (loading it once per connection); when the
    /// server answers NOSCRIPT, runs it with EVAL, which also caches it.
    @discardableResult
    public func run(_ script: RedisScript, keys: [any RedisArgument] = [], arguments: [any RedisArgument] = []) throws(RedisError)
        -> RedisReply
    {
        let tail: [any RedisArgument] = [keys.count] + keys + arguments
        let sha: String
        if let known = scriptHashes[script] {
            sha = known
        } else {
            guard let loaded = try command(["SCRIPT", "LOAD", script.source]).string else {
                throw RedisError(.protocolError, operation: "SCRIPT LOAD", endpoint: endpoint.description, detail: "no SHA1 returned")
            }
            sha = loaded
            scriptHashes[script] = sha
        }
        do {
            return try command(["EVALSHA", sha] + tail)
        } catch  where error.code == .serverError && error.detail.hasPrefix("NOSCRIPT") {
            return try command(["EVAL", script.source] + tail)
        }
    }

    /// hiredis keeps a failed context's error and fails every later call at
    /// once; say plainly that the connection is gone.
    private func ensureUsable(_ operation: String) throws(RedisError) {
        guard context.pointee.err != 0 else { return }
        throw RedisError(
            .connectionLost, operation: operation, endpoint: endpoint.description,
            detail: "an earlier error left this connection unusable (\(error(operation).detail)); reconnect")
    }

    /// A pipeline of plain commands and scripts: scripts go as EVALSHA
    /// (loaded once per connection); any that the server has forgotten are
    /// run again with EVAL. Replies come back in order.
    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [RedisReply] {
        for case .script(let script, _, _) in commands where scriptHashes[script] == nil {
            guard let sha = try command(["SCRIPT", "LOAD", script.source]).string else {
                throw RedisError(.protocolError, operation: "SCRIPT LOAD", endpoint: endpoint.description, detail: "no SHA1 returned")
            }
            scriptHashes[script] = sha
        }
        var replies = try pipeline(
            commands.map { command -> [any RedisArgument] in
                switch command {
                case .plain(let arguments): arguments
                case .script(let script, let keys, let arguments): ["EVALSHA", scriptHashes[script]!, keys.count] + keys + arguments
                }
            })
        for (index, command) in commands.enumerated() {
            guard case .script(let script, let keys, let arguments) = command,
                case .error(let message) = replies[index], message.hasPrefix("NOSCRIPT")
            else { continue }
            replies[index] = try self.command(["EVAL", script.source, keys.count] + keys + arguments)
        }
        return replies
    }

    private func error(_ operation: String, connecting: Bool = false) -> RedisError {
        let c = context.pointee
        let detail = withUnsafeBytes(of: c.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let code: RedisError.Code
        if c.err == REDIS_ERR_IO && (detail.contains("temporarily unavailable") || detail.contains("timed out")) {
            code = .timeout
        } else if connecting {
            code = .connectionFailed
        } else if c.err == REDIS_ERR_PROTOCOL {
            code = .protocolError
        } else {
            code = .connectionLost
        }
        return RedisError(code, operation: operation, endpoint: endpoint.description, detail: detail.isEmpty ? "I/O error" : detail)
    }

    private static func name(of arguments: [any RedisArgument]) -> String {
        arguments.first.map { $0.withRedisBytes { String(decoding: $0, as: UTF8.self).uppercased() } } ?? "(empty command)"
    }
}
