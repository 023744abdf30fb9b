/// Every failure of the AMQP wrapper: what was attempted, against which
/// broker (host:port, never credentials), what went wrong, and whether
/// trying again later can help.
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    /// A struct rather than an enum so new codes break no caller.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        public static let unknownHost = Code(name: "unknown host")
        public static let connectionRefused = Code(name: "connection refused")
        /// The TLS handshake failed, or the broker's certificate did not
        /// chain to the trusted CA or name the host connected to.
        public static let tlsFailed = Code(name: "TLS handshake or verification failed")
        public static let timeout = Code(name: "timed out")
        public static let authenticationFailed = Code(name: "authentication failed")
        public static let connectionLost = Code(name: "connection lost")
        public static let notFound = Code(name: "not found")
        public static let preconditionFailed = Code(name: "precondition failed")
        public static let accessRefused = Code(name: "access refused")
        public static let resourceLocked = Code(name: "resource locked")
        public static let channelClosed = Code(name: "channel closed by broker")
        public static let consumerCancelled = Code(name: "consumer cancelled by broker")
        public static let publishNacked = Code(name: "publish refused by broker (nack)")
        public static let publishUnroutable = Code(name: "publish unroutable (returned)")
        public static let invalidArgument = Code(name: "invalid argument")
        public static let protocolError = Code(name: "protocol error")
    }

    public let code: Code
    /// What was attempted, e.g. `queue.declare commands.payment`.
    public let operation: String
    /// `host:port` of the broker; never user or password.
    public let endpoint: String
    public let detail: String
    /// The AMQP reply code when the broker closed the channel or connection.
    public let replyCode: Int?

    public init(_ code: Code, operation: String, endpoint: String, detail: String, replyCode: Int? = nil) {
        self.code = code
        self.operation = operation
        self.endpoint = endpoint
        self.detail = detail
        self.replyCode = replyCode
    }

    /// Worth retrying after a pause: the broker or the network may recover.
    /// Everything else (bad credentials, inequivalent declarations, missing
    /// queues) needs a human or a code change.
    public var isRetryable: Bool {
        [.connectionRefused, .timeout, .connectionLost, .publishNacked, .resourceLocked].contains(code)
    }

    public var description: String {
        let reply = replyCode.map { " (reply \($0))" } ?? ""
        return "AMQP \(operation) at \(endpoint) failed: \(code)\(reply): \(detail)"
    }
}
