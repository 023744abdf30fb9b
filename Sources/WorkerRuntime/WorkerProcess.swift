import Foundation
import Logging
import Settings
import Synchronization
import Telemetry
import Topology

/// The whole of a worker executable's `main`: parse the common flags, start
/// the lanes (and the metrics endpoint, when asked), wait for
/// SIGTERM/SIGINT, let every lane finish its batch, print the batch
/// statistics as one JSON line on stderr, exit 0. A configuration no retry
/// can fix (see `Lane.run`) or a metrics port that cannot be bound exits 2.
public enum WorkerProcess {
    public static func run<Handler: BatchHandler>(_ handler: Handler) -> Never {
        let options: WorkerOptions
        do { options = try WorkerOptions.parse(Array(CommandLine.arguments.dropFirst())) } catch {
            WorkerOptions.exit(withError: error)
        }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let log = Logger(label: "flexfin.\(handler.name)")
        let settings: ServiceSettings
        let topology: TopologySpec
        do {
            settings = try ServiceSettings.fromEnvironment()
            topology = try TopologySpec.load(from: TopologySpec.locate())
            _ = try topology.queue(named: handler.queue)
        } catch {
            log.critical("cannot start: \(error)")
            exit(2)
        }
        let metrics = WorkerMetrics(worker: handler.name)
        let health = WorkerHealth(lanes: options.lanes, metrics: metrics)
        if let port = options.metricsPort {
            do { try HealthEndpoint.start(host: options.metricsHost, port: port, readiness: health.checks, log: log) } catch {
                log.critical("cannot start: \(error)")
                exit(2)
            }
        }
        let shutdown = ShutdownSignal()
        shutdown.install()
        let cannotStart = Atomic<Bool>(false)
        let lanes = (0..<options.lanes).map { index in
            JoinableThread(name: "\(handler.name)-lane-\(index)") {
                var laneLog = log
                laneLog[metadataKey: "lane"] = "\(index)"
                do {
                    try Lane(
                        handler: handler, index: index, options: options,
                        connections: LaneConnections(settings: settings, options: options), topology: topology,
                        shutdown: shutdown, metrics: metrics, health: health, log: laneLog
                    ).run()
                } catch {
                    laneLog.critical("cannot start, and retrying will not help: \(error)")
                    cannotStart.store(true, ordering: .relaxed)
                    shutdown.request()
                }
            }
        }
        log.info("\(handler.name) worker started", metadata: ["lanes": "\(options.lanes)", "batch": "\(options.batchSize)"])
        lanes.forEach { $0.join() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let summary = (try? encoder.encode(metrics.summary())).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        FileHandle.standardError.write(Data("flexfin-worker-stats \(summary)\n".utf8))
        if cannotStart.load(ordering: .relaxed) { exit(2) }
        log.info("\(handler.name) worker stopped")
        exit(0)
    }
}
