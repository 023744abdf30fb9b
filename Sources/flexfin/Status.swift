import ArgumentParser
import Foundation
import Settings
import WorkerRuntime

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A command's status: from the cache (Redis), else from PostgreSQL's inbox.")

    @Argument(help: "The command id.") var commandId: String

    func run() throws {
        let settings = try ServiceSettings.fromEnvironment()
        // An outcome in the cache is final; `accepted` may be outdated (see
        // `CommandStatus.isOutcome`), so PostgreSQL's inbox is asked.
        let cached = try? settings.connectCache().command(["GET", CommandStatus.key(commandId)]).string
        if let cached, CommandStatus.isOutcome(cached) {
            print("\(commandId): \(cached) (source: cache)")
            return
        }
        let rows = try settings.connectDatabase().query(
            "SELECT outcome, reason, received_at FROM inbox WHERE message_id = $1 AND consumer NOT IN ('audit', 'notifications', 'tax')",
            [commandId])
        guard !rows.isEmpty else {
            if let cached {
                print("\(commandId): \(cached) (source: cache; not yet processed)")
                return
            }
            print("\(commandId): unknown (not yet processed, dead-lettered before Redis recorded it, or never submitted)")
            throw ExitCode(3)
        }
        let reason = rows.string(0, 1).map { ", reason: \($0)" } ?? ""
        print("\(commandId): \(rows.string(0, 0)!)\(reason) at \(rows.string(0, 2)!) (source: database)")
    }
}
