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
    let batchMilliseconds: Int

    struct Outcome {
        let seconds: Double
        let workerStats: [WorkerStats.Summary]
    }

    func run(_ workload: W1Workload) throws -> Outcome {
        try CommandProducer(settings: workbench.settings, topology: workbench.topology).publish(workload.commands)
        let started = ContinuousClock.now
        let wait = ["--batch-milliseconds", String(batchMilliseconds)]
        let processes = try [
            workbench.start("payments-worker", lanes: lanes, batchSize: batchSize, arguments: wait),
            workbench.start("audit-worker", lanes: 1, batchSize: batchSize, arguments: wait),  // single active consumer: more lanes would idle
            workbench.start("notifications-worker", lanes: eventLanes, batchSize: batchSize, arguments: wait),
            workbench.start("tax-worker", lanes: eventLanes, batchSize: batchSize, arguments: wait),
        ]
        try workbench.waitUntilComplete(workload.expected, workers: processes, upTo: .seconds(600))
        let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        return Outcome(seconds: seconds, workerStats: try processes.map { try $0.stop() })
    }
}
