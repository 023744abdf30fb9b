import Foundation
import Glibc

/// CPU seconds (user + system) each part of the pipeline spent in one run,
/// read from `/proc`: the servers by process name, each worker by its pid.
/// A server's processes that ended meanwhile (a backend whose connection
/// closed) are in their parent's reaped-children time, which is counted.
/// Every server process on the machine counts, whichever data folder it
/// serves: run benchmarks on an otherwise idle set of services.
public struct CPUUsage: Codable, Sendable {
    public struct Group: Codable, Sendable {
        public let name: String
        public let seconds: Double
        public let msPerCommand: Double

        enum CodingKeys: String, CodingKey {
            case name, seconds
            case msPerCommand = "ms_per_command"
        }
    }

    /// postgresql, rabbitmq, redis, then each worker.
    public let groups: [Group]
    public let totalSeconds: Double
    public let msPerCommand: Double
    /// PostgreSQL's write-ahead log per command (nil for the broker-only run).
    public let walBytesPerCommand: Int64?

    enum CodingKeys: String, CodingKey {
        case groups
        case totalSeconds = "total_seconds"
        case msPerCommand = "ms_per_command"
        case walBytesPerCommand = "wal_bytes_per_command"
    }

    init(_ seconds: [(String, Double)], commands: Int, walBytes: Int64? = nil) {
        walBytesPerCommand = walBytes.map { $0 / Int64(max(1, commands)) }
        let perCommand = { (s: Double) in s * 1000 / Double(max(1, commands)) }
        groups = seconds.map { Group(name: $0.0, seconds: $0.1, msPerCommand: perCommand($0.1)) }
        totalSeconds = seconds.map(\.1).reduce(0, +)
        msPerCommand = perCommand(totalSeconds)
    }
}

/// The servers' CPU counters at one moment, per process, to subtract from
/// a later one.
struct ServerCPU {
    static let groups: [(name: String, commands: Set<String>)] = [
        ("postgresql", ["postgres"]),
        ("rabbitmq", ["beam.smp", "erl_child_setup", "epmd", "inet_gethost"]),
        ("redis", ["redis-server"]),
    ]

    /// Each server process's group, parent and CPU ticks so far (its own
    /// and its reaped children's), by pid.
    let processes: [Int32: (group: String, parent: Int32, ticks: Int64)]

    static func now() -> ServerCPU {
        var processes: [Int32: (group: String, parent: Int32, ticks: Int64)] = [:]
        for pid in ProcessStat.pids() {
            guard let stat = ProcessStat(pid: pid), let group = groups.first(where: { $0.commands.contains(stat.command) }) else {
                continue
            }
            processes[pid] = (group.name, stat.parent, stat.ownTicks + stat.reapedChildTicks)
        }
        return ServerCPU(processes: processes)
    }

    /// Seconds per server group since `earlier`, process by process: one
    /// started since counts whole. One gone since (a PostgreSQL backend
    /// that ended) is in its parent's reaped ticks whole, so what it had
    /// used before is taken off when that parent is a server still there;
    /// otherwise (a node stopped from outside) it counts nothing, so a
    /// group's CPU is never negative.
    func since(_ earlier: ServerCPU) -> [(String, Double)] {
        var ticks: [String: Int64] = [:]
        for (pid, process) in processes {
            ticks[process.group, default: 0] += process.ticks - (earlier.processes[pid]?.ticks ?? 0)
        }
        for (pid, process) in earlier.processes where processes[pid] == nil {
            if let parent = processes[process.parent] { ticks[parent.group, default: 0] -= process.ticks }
        }
        return Self.groups.map { ($0.name, ProcessStat.seconds(ticks[$0.name, default: 0])) }
    }
}

/// One line of `/proc/PID/stat`: the command name and its CPU clock ticks.
struct ProcessStat {
    let command: String
    let parent: Int32
    /// utime + stime: this process's threads.
    let ownTicks: Int64
    /// cutime + cstime: children it has waited for.
    let reapedChildTicks: Int64

    init?(pid: Int32) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")")
        else { return nil }
        // The name may hold spaces and parentheses: the fields follow the last ")".
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let parent = Int32(fields[1]), let utime = Int64(fields[11]), let stime = Int64(fields[12]),
            let cutime = Int64(fields[13]), let cstime = Int64(fields[14])
        else { return nil }
        command = String(text[text.index(after: open)..<close])
        self.parent = parent
        ownTicks = utime + stime
        reapedChildTicks = cutime + cstime
    }

    static func pids() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
    }

    static func seconds(_ ticks: Int64) -> Double { Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK))) }
}
