import Foundation
import Settings
import Submission
import Synchronization
import Topology

/// A producer publishing commands on a thread of its own, 100 per confirm,
/// that holds after its first chunk until `resume()`: a fault injected
/// meanwhile meets it mid-submission, whatever the machine's speed.
final class HeldSubmission: @unchecked Sendable {
    private let count = Mutex(0)
    private let held = DispatchSemaphore(value: 0)
    private let done = DispatchGroup()
    private var outcome: Result<Int, any Error> = .success(0)

    init(_ commands: [SubmittedCommand], settings: ServiceSettings, topology: TopologySpec) {
        done.enter()
        Thread.detachNewThread { [self] in
            defer { done.leave() }
            outcome = Result {
                let producer = try CommandProducer(settings: settings, topology: topology)
                try producer.publish(commands, chunk: 100) { confirmed in
                    if count.withLock({ value in
                        defer { value = confirmed }
                        return value
                    }) == 0 {
                        held.wait()
                    }
                }
                return producer.reconnects
            }
        }
    }

    /// Commands the broker has confirmed so far.
    var confirmed: Int { count.withLock { $0 } }

    func resume() { held.signal() }

    /// Waits for the last confirm; how often the producer reconnected.
    func finish() throws -> Int {
        done.wait()
        return try outcome.get()
    }
}
