import Glibc

/// A loopback TCP port that accepts connections (the kernel completes the
/// handshake) but never says a word: a client must give up on its own
/// timeout rather than hang.
public final class SilentListener {
    public let port: Int
    private let socketDescriptor: Int32

    public init() {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                precondition(bind(descriptor, raw, length) == 0, "bind failed")
                precondition(listen(descriptor, 16) == 0, "listen failed")
                precondition(getsockname(descriptor, raw, &length) == 0, "getsockname failed")
            }
        }
        socketDescriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(socketDescriptor) }
}

/// A loopback port with nothing listening on it.
public func closedPort() -> Int {
    let listener = SilentListener()
    return listener.port  // closed again when the listener goes away
}
