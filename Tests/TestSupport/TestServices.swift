import Foundation
import Glibc
import Settings

/// What integration tests share: the real services' settings and names that
/// do not collide between tests or runs.
public enum TestServices {
    public static let settings: ServiceSettings = {
        do { return try ServiceSettings.fromEnvironment() } catch { fatalError("test settings: \(error)") }
    }()

    /// The same servers over TLS: the URLs `deploy/local/services env --tls`
    /// prints (the suite starts them with `--tls`), each verifying the
    /// server's certificate against the local CA.
    public static func tlsSettings() throws -> ServiceSettings {
        let process = Process()
        process.executableURL = repositoryRoot.appendingPathComponent("deploy/local/services")
        process.arguments = ["env", "--tls"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ServiceControlError(description: "deploy/local/services env --tls failed: start the services with --tls")
        }
        var environment = ["FLEXFIN_ENV": "local"]
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            environment[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
                .trimmingCharacters(in: ["'"])
        }
        return try ServiceSettings.fromEnvironment(environment)
    }

    /// The parallel slot this test process runs in: `deploy/local/test`
    /// runs test classes three at a time (`FLEXFIN_TEST_SLOT`, from xargs),
    /// each slot in disposable environments of its own; 0 when run alone.
    public static let slot = Int(ProcessInfo.processInfo.environment["FLEXFIN_TEST_SLOT"] ?? "") ?? 0

    /// Stops or starts one real service (`rabbitmq`, `postgresql`, `redis`,
    /// `cluster`, `standby`, …) through `deploy/local/services`, for the
    /// fault tests; `environment` adds to this process's (another data
    /// folder and ports). Spawned and awaited directly: Foundation's
    /// `Process.waitUntilExit` never returns when the child leaves a daemon
    /// behind (the started server).
    public static func control(_ verb: String, _ arguments: String..., environment: [String: String] = [:]) throws {
        let script = repositoryRoot.appendingPathComponent("deploy/local/services").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([script, verb] + arguments).map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let block: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { block.forEach { free($0) } }
        var pid: pid_t = 0
        var status: Int32 = 0
        guard posix_spawn(&pid, script, &actions, nil, argv, block) == 0, waitpid(pid, &status, 0) == pid,
            status == 0
        else {
            throw ServiceControlError(
                description: "deploy/local/services \(([verb] + arguments).joined(separator: " ")) failed (wait status \(status))")
        }
    }

    /// A name unique to this test run, e.g. `test.amqp.1f3a9c`.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }
}

public struct ServiceControlError: Error, CustomStringConvertible {
    public let description: String
}
