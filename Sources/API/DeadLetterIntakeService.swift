import DeadLetters
import Foundation
import Logging
import ServiceLifecycle
import Settings
import WorkerRuntime

/// The API keeps the dead letters' record complete: the intake's blocking
/// loop on a thread of its own, as a service of the API's group, stopped
/// with it (within the second its loop looks at the flag).
struct DeadLetterIntakeService: Service {
    let queues: [String]
    let settings: ServiceSettings
    let log: Logger

    func run() async {
        let stop = ShutdownSignal()
        await withTaskCancellationOrGracefulShutdownHandler {
            await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread { [queues, settings, log] in
                    DeadLetterIntake.serve(queues, settings: settings, log: log) { !stop.isRequested }
                    finished.resume()
                }
            }
        } onCancelOrGracefulShutdown: {
            stop.request()
        }
    }
}
