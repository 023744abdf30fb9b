import CRabbitMQ
import Glibc

/// One TCP connection to a broker, owning librabbitmq's connection state.
///
/// Not thread-safe by design: a connection belongs to one thread (a worker
/// lane, or the CLI's main thread). Blocking calls must never run on Swift's
/// cooperative pool. Consumers and publishers with confirms should use
/// separate connections, so that neither reads the other's frames.
public final class AMQPConnection {
    let state: amqp_connection_state_t
    public let endpoint: AMQPEndpoint
    private let options: AMQPOptions
    private var nextChannelId: UInt16 = 1
    private var closed = false
    /// Channels with publisher confirms, by id: frames read while waiting
    /// for something else are routed to them. Held weakly: a channel holds
    /// its connection, and a cycle would keep both (and the socket) alive.
    private var confirmingChannels: [UInt16: WeakChannel] = [:]

    private struct WeakChannel {
        weak var channel: AMQPChannel?
    }

    /// Connects to the first endpoint that accepts; each is tried in order.
    /// The error names every host:port that was tried.
    public static func connect(to endpoints: [AMQPEndpoint], options: AMQPOptions = AMQPOptions()) throws(AMQPError) -> AMQPConnection {
        var failures: [AMQPError] = []
        for endpoint in endpoints {
            do { return try AMQPConnection(endpoint: endpoint, options: options) } catch { failures.append(error) }
        }
        guard failures.count > 1 else {
            throw failures.first ?? AMQPError(.invalidArgument, operation: "connect", endpoint: "-", detail: "no endpoint given")
        }
        let last = failures.last!
        throw AMQPError(
            last.code, operation: "connect", endpoint: endpoints.map(\.description).joined(separator: ","),
            detail: failures.map { "\($0.endpoint): \($0.code): \($0.detail)" }.joined(separator: "; "))
    }

    public init(endpoint: AMQPEndpoint, options: AMQPOptions = AMQPOptions()) throws(AMQPError) {
        self.endpoint = endpoint
        self.options = options
        self.state = try Self.open(endpoint, options)
    }

    /// Frees the connection and its socket without a word to the broker:
    /// deinit must never block on the network. `close()` first says goodbye.
    deinit {
        amqp_destroy_connection(state)
    }

    private static func open(_ endpoint: AMQPEndpoint, _ options: AMQPOptions) throws(AMQPError) -> amqp_connection_state_t {
        let fail = { (code: AMQPError.Code, detail: String) in
            AMQPError(code, operation: "connect", endpoint: endpoint.description, detail: detail)
        }
        guard let state = amqp_new_connection() else { throw fail(.protocolError, "out of memory") }
        let socket: OpaquePointer
        do throws(AMQPError) {
            socket = try newSocket(on: state, for: endpoint)
        } catch {
            amqp_destroy_connection(state)
            throw error
        }
        var connectTimeout = options.connectTimeout.timeval
        let status = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &connectTimeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            amqp_destroy_connection(state)
            let code: AMQPError.Code =
                switch status {
                case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED.rawValue: .unknownHost
                case AMQP_STATUS_TIMEOUT.rawValue: .timeout
                case AMQP_STATUS_SSL_ERROR.rawValue, AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue,
                    AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue, AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue:
                    .tlsFailed
                default: .connectionRefused
                }
            throw fail(code, String(cString: amqp_error_string2(status)))
        }
        var rpcTimeout = options.rpcTimeout.timeval
        amqp_set_handshake_timeout(state, &connectTimeout)
        amqp_set_rpc_timeout(state, &rpcTimeout)
        let arena = CArena()
        var properties = arena.table(options.name.map { ["connection_name": .string($0)] } ?? [:])
        let reply = withExtendedLifetime(arena) {
            flexfin_amqp_login_plain(
                state, endpoint.vhost, 0, Int32(options.frameMax), Int32(options.heartbeat),
                &properties, endpoint.user, endpoint.password)
        }
        if reply.reply_type != AMQP_RESPONSE_NORMAL {
            // Read the reply before the connection is destroyed: its decoded
            // method lives in the connection's memory pool.
            let error = replyError(reply, operation: "login", endpoint: endpoint.description)
            amqp_destroy_connection(state)
            // RabbitMQ answers bad credentials with connection.close 403, or
            // by closing the socket during the handshake.
            if error.replyCode == 403 || error.code == .connectionLost {
                throw fail(.authenticationFailed, "user \"\(endpoint.user)\" was refused for vhost \"\(endpoint.vhost)\": \(error.detail)")
            }
            throw error
        }
        return state
    }

    /// A TCP socket, or for `amqps` a TLS one that verifies the broker's
    /// certificate against the endpoint's CA file and its name against the
    /// host; owned by `state`, which frees it.
    private static func newSocket(on state: amqp_connection_state_t, for endpoint: AMQPEndpoint) throws(AMQPError) -> OpaquePointer {
        let fail = { (detail: String) in AMQPError(.protocolError, operation: "connect", endpoint: endpoint.description, detail: detail) }
        guard let tls = endpoint.tls else {
            guard let socket = amqp_tcp_socket_new(state) else { throw fail("cannot create a socket") }
            return socket
        }
        guard let socket = amqp_ssl_socket_new(state) else { throw fail("cannot create a TLS socket") }
        let status = amqp_ssl_socket_set_cacert(socket, tls.caFile)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw fail("cannot use the CA file \(tls.caFile): \(String(cString: amqp_error_string2(status)))")
        }
        amqp_ssl_socket_set_verify_peer(socket, 1)
        amqp_ssl_socket_set_verify_hostname(socket, 1)
        return socket
    }

    public func openChannel() throws(AMQPError) -> AMQPChannel {
        let id = nextChannelId
        nextChannelId += 1
        amqp_channel_open(state, id)
        try check(amqp_get_rpc_reply(state), "channel.open", channel: id)
        return AMQPChannel(connection: self, id: id)
    }

    /// Waits up to `timeout` for the next message of any consumer on this
    /// connection; nil when none came in time.
    public func nextDelivery(timeout: Duration) throws(AMQPError) -> AMQPDelivery? {
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var wait = timeout.timeval
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        if reply.reply_type == AMQP_RESPONSE_NORMAL {
            defer { amqp_destroy_envelope(&envelope) }
            return AMQPDelivery(
                channel: envelope.channel, deliveryTag: envelope.delivery_tag,
                redelivered: envelope.redelivered != 0, exchange: envelope.exchange.string,
                routingKey: envelope.routing_key.string,
                message: AMQPMessage(
                    body: envelope.message.body.array,
                    properties: AMQPProperties(envelope.message.properties)))
        }
        if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION {
            if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            // Something other than a delivery arrived: read and act on it.
            if reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue {
                try readFrame(timeout: .zero)
                return nil
            }
        }
        try check(reply, "basic.consume (wait for delivery)")
        return nil
    }

    /// Reads one frame that is not a delivery and acts on it: confirm acks,
    /// nacks and returns go to their channel; broker-initiated closes and
    /// cancels become errors. Returns false when none came in time.
    @discardableResult
    func readFrame(timeout: Duration?) throws(AMQPError) -> Bool {
        var frame = amqp_frame_t()
        var wait = (timeout ?? options.rpcTimeout).timeval
        let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return false }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw libraryError(status, "read frame")
        }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return true }
        let method = frame.payload.method
        switch method.id {
        case AMQP_BASIC_ACK_METHOD:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirmingChannels[frame.channel]?.channel?.confirms.acknowledge(upTo: ack.delivery_tag, multiple: ack.multiple != 0)
        case AMQP_BASIC_NACK_METHOD:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirmingChannels[frame.channel]?.channel?.confirms.refuse(upTo: nack.delivery_tag, multiple: nack.multiple != 0)
        case AMQP_BASIC_RETURN_METHOD:
            var message = amqp_message_t()
            let reply = amqp_read_message(state, frame.channel, &message, 0)
            try check(reply, "basic.return (read returned message)")
            defer { amqp_destroy_message(&message) }
            let id = AMQPProperties(message.properties).messageId ?? "(no message id)"
            confirmingChannels[frame.channel]?.channel?.confirms.returned(messageId: id)
        case AMQP_CHANNEL_CLOSE_METHOD, AMQP_CONNECTION_CLOSE_METHOD:
            var reply = amqp_rpc_reply_t()
            reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION
            reply.reply = method
            try check(reply, "broker closed", channel: frame.channel)
        case AMQP_BASIC_CANCEL_METHOD:
            throw AMQPError(
                .consumerCancelled, operation: "consume", endpoint: endpoint.description,
                detail: "the broker cancelled the consumer (queue deleted?)")
        default:
            break
        }
        return true
    }

    func registerConfirms(_ channel: AMQPChannel) { confirmingChannels[channel.id] = WeakChannel(channel: channel) }

    func forgetChannel(_ id: UInt16) { confirmingChannels[id] = nil }

    /// Closes the connection cleanly (one round trip, bounded by the RPC
    /// timeout; at once when the socket is already gone); safe to call twice.
    public func close() {
        guard !closed else { return }
        closed = true
        confirmingChannels = [:]
        _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
    }

    // MARK: - Status codes to typed errors

    func check(_ reply: amqp_rpc_reply_t, _ operation: String, channel: UInt16 = 0) throws(AMQPError) {
        guard reply.reply_type != AMQP_RESPONSE_NORMAL else { return }
        let error = Self.replyError(reply, operation: operation, endpoint: endpoint.description)
        if reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION {
            acknowledgeClose(reply, channel: channel)
        }
        throw error
    }

    func libraryError(_ status: Int32, _ operation: String) -> AMQPError {
        var reply = amqp_rpc_reply_t()
        reply.reply_type = AMQP_RESPONSE_LIBRARY_EXCEPTION
        reply.library_error = status
        return Self.replyError(reply, operation: operation, endpoint: endpoint.description)
    }

    /// The broker closed a channel or the connection: answer with close-ok
    /// and reopen the channel, so the Swift channel object stays usable.
    private func acknowledgeClose(_ reply: amqp_rpc_reply_t, channel: UInt16) {
        if reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD {
            var ok = amqp_channel_close_ok_t()
            amqp_send_method(state, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
            amqp_channel_open(state, channel)
            if amqp_get_rpc_reply(state).reply_type == AMQP_RESPONSE_NORMAL,
                let confirming = confirmingChannels[channel]?.channel
            {
                confirming.reenableConfirmsAfterReopen()
            }
        } else if reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD {
            var ok = amqp_connection_close_ok_t()
            amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok)
            closed = true
        }
    }

    static func replyError(_ reply: amqp_rpc_reply_t, operation: String, endpoint: String) -> AMQPError {
        switch reply.reply_type {
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = reply.library_error
            let code: AMQPError.Code =
                switch status {
                case AMQP_STATUS_TIMEOUT.rawValue: .timeout
                case AMQP_STATUS_CONNECTION_CLOSED.rawValue, AMQP_STATUS_SOCKET_ERROR.rawValue,
                    AMQP_STATUS_SOCKET_CLOSED.rawValue, AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue,
                    AMQP_STATUS_TCP_ERROR.rawValue:
                    .connectionLost
                default: .protocolError
                }
            return AMQPError(
                code, operation: operation, endpoint: endpoint,
                detail: String(cString: amqp_error_string2(status)))
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            let (replyCode, text): (UInt16, String)
            if reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                (replyCode, text) = (close.reply_code, close.reply_text.string)
            } else if reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                (replyCode, text) = (close.reply_code, close.reply_text.string)
            } else {
                (replyCode, text) = (0, "unexpected method 0x\(String(reply.reply.id, radix: 16))")
            }
            let code: AMQPError.Code =
                switch replyCode {
                case 404: .notFound
                case 406: .preconditionFailed
                case 403: .accessRefused
                case 405: .resourceLocked
                case 320, 541: .connectionLost
                default: reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD ? .channelClosed : .connectionLost
                }
            return AMQPError(code, operation: operation, endpoint: endpoint, detail: text, replyCode: Int(replyCode))
        default:
            return AMQPError(.protocolError, operation: operation, endpoint: endpoint, detail: "no reply from the broker")
        }
    }
}
