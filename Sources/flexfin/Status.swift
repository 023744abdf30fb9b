import ArgumentParser
import Domain
import Foundation
import Settings
import WorkerRuntime

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A command's status through its whole life.",
        discussion: """
            accepted, retrying (attempt, error, next attempt), applied, rejected (reason), dead-lettered (queue, error) \
            or conflict (the id was used before for another command). From the cache when it holds a final answer, \
            else from PostgreSQL. Exit 0 when the command is known, 3 when it is not, 1 on an error.
            """)

    @Argument(help: "The command id.") var commandId: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        guard let answer = try CommandStatusLookup.find(commandId, settings: ServiceSettings.fromEnvironment()) else {
            if json {
                print(JSONValue.object(["command_id": .string(commandId), "status": .string("unknown")]).serialized)
            } else {
                print("\(commandId): unknown (never submitted, or not yet confirmed by the broker)")
            }
            throw ExitCode(3)
        }
        let status = answer.status
        if json {
            guard case .object(var fields) = status.json else { return }
            fields["command_id"] = .string(commandId)
            fields["source"] = .string(answer.source)
            print(JSONValue.object(fields).serialized)
            return
        }
        var line = "\(commandId): \(status.state.rawValue)"
        switch status.state {
        case .accepted: line += " at \(status.at), not yet processed"
        case .applied: line += " at \(status.at)"
        case .rejected, .conflict, .pendingApproval, .declined: line += " (\(status.reason ?? "-")) at \(status.at)"
        case .retrying:
            line +=
                " after attempt \(status.attempts ?? 0) failed (\(status.errorClass ?? "-"): \(status.error ?? "-")) at \(status.at); "
                + "next attempt from \(status.nextAttemptAt ?? "-") through \(status.queue ?? "-")"
        case .deadLettered:
            line +=
                " to \(status.queue ?? "-") after \(status.attempts ?? 0) attempt(s) (\(status.errorClass ?? "-"): \(status.error ?? "-")) at \(status.at)"
        }
        print("\(line) (source: \(answer.source))")
    }
}
