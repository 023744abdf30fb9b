import ArgumentParser
import Domain
import Risk
import Settings

struct RiskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "risk", abstract: "Risk scores.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A user's latest score: band, each factor's value and contribution, model version, when; and earlier scores.",
            discussion: "Exit 0 when the user has a score, 3 when none.")
        @Argument(help: "The user id.") var user: String
        @Option(help: "How many earlier scores to list.") var history = 5
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            let scores = try RecordedScore.history(of: user, limit: history + 1, in: ServiceSettings.fromEnvironment().connectDatabase())
            guard let latest = scores.first else {
                printError("no risk score for \(user) yet")
                throw ExitCode(3)
            }
            if json {
                return print(
                    JSONValue.object([
                        "user_id": .string(user), "latest": latest.json,
                        "history": .array(scores.dropFirst().map(\.json)),
                    ]).serialized)
            }
            print(
                """
                \(user): score \(latest.score) of 100, band \(latest.band) (model v\(latest.modelVersion), \
                90 days to \(latest.asOf), score #\(latest.version), answering \(latest.requests) request(s), last \(latest.commandId))
                factor                 value        points  weight  contribution
                """)
            if case .array(let parts) = latest.factors {
                for case .object(let part) in parts {
                    func integer(_ name: String) -> Int64 { if case .integer(let value)? = part[name] { value } else { 0 } }
                    guard case .string(let name)? = part["factor"] else { continue }
                    let contribution = integer("contribution_hundredths")
                    print(
                        [
                            name.padding(toLength: 22, withPad: " ", startingAt: 0), String(integer("value")).leftPadded(to: 11),
                            String(integer("points")).leftPadded(to: 7),
                            String(integer("weight")).leftPadded(to: 7),
                            String(contribution / 100).leftPadded(to: 10) + "." + String(contribution % 100 + 100).dropFirst(),
                        ]
                        .joined(separator: " "))
                }
            }
            if scores.count > 1 {
                print("earlier:")
                for score in scores.dropFirst() {
                    print("  #\(score.version) \(score.asOf): \(score.score) \(score.band) (model v\(score.modelVersion))")
                }
            }
        }
    }
}
