/// Commands in Redis's wire form (RESP: each an array of bulk strings),
/// written into one buffer that hiredis sends as it is
/// (`redisAppendFormattedCommand`). A pipeline of a batch's cache writes is
/// one append, with no C string per argument and no argv per command: the
/// argv route was a fifth of the payments worker's instructions.
struct RESPBuffer {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ arguments: [any RedisArgument]) {
        header(UInt8(ascii: "*"), arguments.count)
        for argument in arguments {
            argument.withRedisBytes { raw in
                header(UInt8(ascii: "$"), raw.count)
                bytes.append(contentsOf: raw)
                bytes.append(contentsOf: Self.lineEnd)
            }
        }
    }

    private mutating func header(_ kind: UInt8, _ count: Int) {
        bytes.append(kind)
        bytes.append(contentsOf: String(count).utf8)
        bytes.append(contentsOf: Self.lineEnd)
    }

    private static let lineEnd: [UInt8] = [13, 10]
}
