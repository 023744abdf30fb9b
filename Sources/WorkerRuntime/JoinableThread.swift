import Foundation
import Glibc

/// A thread the process waits for to the end, its thread-local destructors
/// included, before it exits. A lane's thread still ending (libpq's and
/// librabbitmq's OpenSSL state freed as it goes) while `exit` ran OpenSSL's
/// own cleanup corrupted the heap: a worker aborted after "stopped" (seen
/// once in a benchmark). Foundation's `Thread` cannot be joined.
final class JoinableThread: @unchecked Sendable {
    private var thread = pthread_t()

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(
            Body {
                Thread.current.name = name  // what ps, top and crash reports show
                body()
            }
        ).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { argument in
                let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
                body.run()
                return nil
            }, box)
        precondition(created == 0, "pthread_create failed: \(created)")
    }

    func join() { pthread_join(thread, nil) }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
