import Foundation
import Submission
import WorkerRuntime

/// Drain mode: the command queue is loaded first, then the real worker
/// executables start as separate processes, and the clock stops when the
/// last follow-up row (audit, notification, tax) is written.
struct PipelineRun {
    let workbench: Workbench
    let lanes: Int
    let eventLanes: Int
    let batchSize: Int

    struct Outcome {
        let seconds: Double
        let workerStats: [WorkerStats.Summary]
    }

    func run(_ workload: W1Workload) throws -> Outcome {
        try CommandProducer(settings: workbench.settings, topology: workbench.topology).publish(workload.commands)
        let started = ContinuousClock.now
        let processes = try [
            workbench.start("payments-worker", lanes: lanes, batchSize: batchSize),
            workbench.start("audit-worker", lanes: 1, batchSize: batchSize),  // single active consumer: more lanes would idle
            workbench.start("notifications-worker", lanes: eventLanes, batchSize: batchSize),
            workbench.start("tax-worker", lanes: eventLanes, batchSize: batchSize),
        ]
        try workbench.waitUntilComplete(workload.expected, workers: processes, upTo: .seconds(600))
        let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        return Outcome(seconds: seconds, workerStats: try processes.map { try $0.stop() })
    }
}
