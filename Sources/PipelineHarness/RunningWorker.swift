import Foundation
import Glibc
import WorkerRuntime

/// A worker executable running as its own process, its stderr in a file.
public final class RunningWorker: @unchecked Sendable {
    public let name: String
    public let process: Process
    public let log: URL

    init(name: String, process: Process, log: URL) {
        self.name = name
        self.process = process
        self.log = log
    }

    deinit { if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) } }

    public var isRunning: Bool { process.isRunning }

    /// SIGTERM: the worker finishes its batch and exits 0 with its summary.
    public func stop() throws -> WorkerMetrics.Summary {
        process.terminate()
        process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0,
            let line = text.split(separator: "\n").last(where: { $0.hasPrefix("flexfin-worker-stats ") })
        else {
            throw WorkbenchError("\(name) did not stop cleanly (status \(process.terminationStatus)); log: \(log.path)")
        }
        return try JSONDecoder().decode(WorkerMetrics.Summary.self, from: Data(line.dropFirst("flexfin-worker-stats ".count).utf8))
    }

    /// SIGSTOP: frozen where it is, deliveries and transactions in hand,
    /// until `resume()` (a test's way to hold it mid-work while a service goes).
    @discardableResult
    public func pause() -> Bool { Glibc.kill(process.processIdentifier, SIGSTOP) == 0 }

    /// SIGCONT after `pause()`.
    @discardableResult
    public func resume() -> Bool { Glibc.kill(process.processIdentifier, SIGCONT) == 0 }

    public var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Where the worker serves `/metrics`, when started with it.
    public internal(set) var metricsURL: URL?
    /// Where `flexfin-api` serves, when this is it.
    public internal(set) var apiURL: URL?

    /// The URL the process announced in its log as `<prefix>http://…` (it
    /// bound port 0: the kernel chose).
    func announcedURL(_ prefix: String) throws -> URL {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, isRunning {
            if let line = logText.split(separator: "\n").first(where: { $0.contains(prefix + "http://") }),
                let start = line.range(of: prefix + "http://"),
                let url = URL(string: String(line[line.index(start.lowerBound, offsetBy: prefix.count)...].prefix { !$0.isWhitespace }))
            {
                return url
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw WorkbenchError("\(name) did not say where it serves (\(prefix)…); its log: \(log.path)")
    }
}
