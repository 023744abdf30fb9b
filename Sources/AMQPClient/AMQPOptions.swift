import Glibc

/// How a connection behaves; the defaults suit the local services.
public struct AMQPOptions: Sendable {
    /// Bound on TCP connect and on the AMQP handshake.
    public var connectTimeout: Duration
    /// Bound on every synchronous broker round trip (declare, bind, qos…).
    public var rpcTimeout: Duration
    /// Seconds; 0 disables heartbeats.
    public var heartbeat: Int
    public var frameMax: Int
    /// Sent as the client property `connection_name`, so operators can tell
    /// in the management UI whose connection it is.
    public var name: String?

    public init(
        connectTimeout: Duration = .seconds(5), rpcTimeout: Duration = .seconds(30),
        heartbeat: Int = 30, frameMax: Int = 131_072, name: String? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.rpcTimeout = rpcTimeout
        self.heartbeat = heartbeat
        self.frameMax = frameMax
        self.name = name
    }
}

extension Duration {
    var timeval: timeval {
        let (seconds, attoseconds) = components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
