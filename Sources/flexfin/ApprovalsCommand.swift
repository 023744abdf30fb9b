import APIKeys
import ArgumentParser
import Settings

/// `flexfin approvals`: the commands held above their key's ceiling, for an
/// operator deciding them (`POST /v1/commands/{id}/approve` or `…/decline`).
struct ApprovalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "Commands held above their key's ceiling, waiting for an operator with another key, oldest first.")
    @Option(help: "At most this many.") var limit = 100

    func run() throws {
        let held = try HeldCommands.pending(limit: limit, in: ServiceSettings.fromEnvironment().connectDatabase())
        guard !held.isEmpty else { return print("nothing waits for approval") }
        for command in held {
            print(
                "\(command.commandId)  \(command.type)  \(command.amount.text) from \(command.debitAccount)  "
                    + "(ceiling \(command.ceiling.text))  sent by \(command.submittedBy) at \(command.heldAt)")
        }
    }
}
