import ArgumentParser
import Milestones
import Settings

struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Projects and their milestones.",
        subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A project's parties and its milestones with their status, escrow, fundings and release.")

        @Argument(help: "The project id.") var projectId: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            guard let project = try ProjectView.load(projectId, in: ServiceSettings.fromEnvironment().connectDatabase()) else {
                printError("no project \(projectId)")
                throw ExitCode(3)
            }
            print(json ? project.json.serialized : project.text)
        }
    }
}
