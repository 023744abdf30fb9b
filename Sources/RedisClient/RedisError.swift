/// A failure of the Redis wrapper: the operation, the server (host:port,
/// never the password), what happened, and whether a retry can help.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        public static let connectionFailed = Code(name: "connection failed")
        public static let timeout = Code(name: "timed out")
        public static let connectionLost = Code(name: "connection lost")
        public static let protocolError = Code(name: "protocol error")
        /// The server answered with an error reply (`-ERR …`).
        public static let serverError = Code(name: "server error")
        public static let invalidArgument = Code(name: "invalid argument")
    }

    public let code: Code
    public let operation: String
    public let endpoint: String
    public let detail: String

    public init(_ code: Code, operation: String, endpoint: String, detail: String) {
        self.code = code
        self.operation = operation
        self.endpoint = endpoint
        self.detail = detail
    }

    public var isRetryable: Bool {
        switch code {
        case .connectionFailed, .timeout, .connectionLost: true
        case .serverError: ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY"].contains { detail.hasPrefix($0) }
        default: false
        }
    }

    public var description: String { "Redis \(operation) at \(endpoint) failed: \(code): \(detail)" }
}
