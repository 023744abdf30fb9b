import ArgumentParser
import Foundation
import Settings
import Topology

struct Queues: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ready and unacknowledged messages and consumers of every queue of the topology.",
        discussion: "Unacknowledged counts and rates need the management API; without it they show as '-'.")

    @OptionGroup var file: TopologyFileOption
    @Flag(help: "Refresh in place until interrupted.") var watch = false
    @Option(help: "Seconds between refreshes with --watch.") var interval: Double = 2
    @Flag(help: "One JSON object per snapshot, for scripts.") var json = false

    func validate() throws {
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    func run() throws {
        let settings = try ServiceSettings.fromEnvironment()
        let monitor = QueueMonitor(plan: try file.plan(), management: settings.managementAPI)
        let broker = try settings.connectBroker()
        repeat {
            let snapshot = try monitor.snapshot(connection: broker)
            var text: String
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                text = String(decoding: try encoder.encode(snapshot), as: UTF8.self)
            } else {
                text = Self.table(snapshot)
                if watch { text = "\u{1B}[H\u{1B}[2J" + text }  // home + clear: redraw in place
            }
            // Unbuffered, so a pipe sees each snapshot as it is taken.
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
            if watch { Thread.sleep(forTimeInterval: interval) }
        } while watch
    }

    static func table(_ snapshot: QueueMonitor.Snapshot) -> String {
        func cell(_ value: Int?) -> String { value.map(String.init) ?? "-" }
        func rate(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
        let header = ["QUEUE", "READY", "UNACKED", "CONSUMERS", "IN/s", "OUT/s", "ACK/s"]
        let rows = snapshot.queues.map { q in
            q.exists
                ? [
                    q.queue, cell(q.ready), cell(q.unacknowledged), cell(q.consumers), rate(q.publishRate), rate(q.deliverRate),
                    rate(q.ackRate),
                ]
                : [q.queue, "MISSING", "-", "-", "-", "-", "-"]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let lines = ([header] + rows).map { row in
            row.enumerated().map { column, text in
                column == 0
                    ? text.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - text.count) + text
            }.joined(separator: "  ")
        }
        return (lines + ["source: \(snapshot.source)"]).joined(separator: "\n")
    }
}
