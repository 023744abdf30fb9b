import Dispatch
import Glibc
import Synchronization

/// Set by SIGTERM or SIGINT; lanes look at it between batches and stop
/// taking work.
public final class ShutdownSignal: Sendable {
    private let requested = Atomic<Bool>(false)
    /// Kept alive for the process's life; only touched here.
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// Routes SIGTERM and SIGINT to this signal instead of killing the process.
    public func install() {
        let queue = DispatchQueue(label: "flexfin.signals")
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in request() }
            source.resume()
            sources.append(source)
        }
    }

    public var isRequested: Bool { requested.load(ordering: .acquiring) }

    public func request() { requested.store(true, ordering: .releasing) }
}
