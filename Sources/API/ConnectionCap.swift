import NIOConcurrencyHelpers
import NIOCore

/// At most `limit` HTTP connections open at once: one past it is closed as
/// it opens, before a byte of it is read, so a flood of idle connections
/// cannot hold every descriptor the API has.
final class ConnectionCap: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Any

    private let open: NIOLockedValueBox<Int>
    private let limit: Int

    init(limit: Int, open: NIOLockedValueBox<Int>) { (self.limit, self.open) = (limit, open) }

    /// The handler for each new connection, all counting in one place.
    static func handlers(limit: Int) -> @Sendable () -> [any RemovableChannelHandler] {
        let open = NIOLockedValueBox(0)
        return { [ConnectionCap(limit: limit, open: open)] }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let admitted = open.withLockedValue { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        if admitted {
            context.channel.closeFuture.whenComplete { [open] _ in open.withLockedValue { $0 -= 1 } }
        } else {
            context.close(promise: nil)
        }
    }
}
