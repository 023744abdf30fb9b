import AMQPClient
import ArgumentParser
import DeadLetterRecords
import DeadLetters
import Foundation
import Settings
import Topology
import WorkerRuntime

/// The filters every dlq subcommand shares.
struct DeadLetterSelection: ParsableArguments {
    @Option(name: .customLong("id"), help: "A message id (repeatable).") var ids: [String] = []
    @Option(help: "Only this message type.") var type: String?
    @Option(help: "Only this error class (invalid, transient, unexpected, broker:rejected, broker:delivery_limit, …).") var errorClass:
        String?
    @Option(help: "Only dead letters older than this many seconds.") var olderThan: Int?
    @Option(help: "Only those whose error or body contains this text.") var grep: String?

    func filter(all: Bool = false) -> DeadLetterFilter {
        var filter = DeadLetterFilter()
        filter.ids = Set(ids)
        filter.type = type
        filter.errorClass = errorClass
        filter.olderThanSeconds = olderThan
        filter.grep = grep
        filter.all = all
        return filter
    }
}

struct ActorOption: ParsableArguments {
    @Option(help: "Who does this, for the audit log (default: FLEXFIN_ACTOR or USER).") var actor: String?

    var name: String { actor ?? Self.fallback }

    static var fallback: String {
        ProcessInfo.processInfo.environment["FLEXFIN_ACTOR"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }
}

struct DeadLetterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Inspect, replay and purge dead letters (read from their records). Replays and purges are audited.",
        subcommands: [List.self, Show.self, Replay.self, Purge.self, Intake.self])

    static func open(_ queue: String, _ topology: TopologyFileOption) throws -> DeadLetterQueue {
        try DeadLetterQueue(queue, settings: ServiceSettings.fromEnvironment(), topology: topology.spec())
    }

    static func line(_ d: DeadLetter) -> String {
        "\(d.id)  \(d.type)  \(d.errorClass)  attempts \(d.attempts)  age \(d.ageSeconds)s  \(d.error)"
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dead letters of a queue: id, type, error class, error, attempts, age.")
        @Argument(help: "A work queue, e.g. commands.payment (or its .dlq).") var queue: String
        @OptionGroup var selection: DeadLetterSelection
        @Flag(help: "One JSON array.") var json = false
        @OptionGroup var topology: TopologyFileOption

        func run() throws {
            let letters = try DeadLetterCommand.open(queue, topology).list(selection.filter())
            if json {
                print(String(decoding: try JSONEncoder().encode(letters), as: UTF8.self))
            } else {
                letters.forEach { print(DeadLetterCommand.line($0)) }
                print("\(letters.count) dead letter(s)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Headers and body of one dead letter, searched in every queue's record.")
        @Argument(help: "The message id.") var id: String
        @OptionGroup var topology: TopologyFileOption

        func run() throws {
            var selection = DeadLetterFilter()
            selection.ids = [id]
            for queue in try topology.spec().queues {
                guard let letter = try DeadLetterCommand.open(queue.name, topology).list(selection).first(where: { $0.id == id }) else {
                    continue
                }
                print("queue: \(queue.deadLetterQueue)")
                for (key, value) in letter.headers.sorted(by: { $0.key < $1.key }) { print("\(key): \(value)") }
                print("body: \(letter.body)")
                return
            }
            throw ValidationError("no dead letter with id \(id) held for any queue")
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish dead letters back to their queue (confirmed before each record is marked replayed).",
            discussion: """
                --dry-run moves nothing: it applies the chosen messages one after another in a database \
                transaction that is rolled back and says, for each, whether it would apply, be rejected \
                (and why), be a no-op duplicate, or fail again.
                """)
        @Argument(help: "A work queue, e.g. commands.payment.") var queue: String
        @OptionGroup var selection: DeadLetterSelection
        @Flag(help: "Every dead letter of the queue.") var all = false
        @Flag(help: "Evaluate what a replay would do; move nothing.") var dryRun = false
        @Option(help: "Publish to this work queue instead of the origin queue.") var to: String?
        @Option(help: "At most this many messages per second (default: as fast as the broker confirms).") var rate: Int?
        @OptionGroup var actor: ActorOption
        @OptionGroup var topology: TopologyFileOption

        func validate() throws {
            guard all || !selection.filter().isEmpty else { throw ValidationError("say which: --id, a filter, or --all") }
            if let rate, rate < 1 { throw ValidationError("--rate must be at least 1 message per second") }
        }

        func run() throws {
            let deadLetters = try DeadLetterCommand.open(queue, topology)
            let filter = selection.filter(all: all)
            guard !dryRun else { return try evaluate(deadLetters.messages(filter), queue: to ?? deadLetters.queue.name) }
            let replayed = try deadLetters.replay(filter, to: to, actor: actor.name, perSecond: rate) { moved in
                printError("replayed \(moved)")
            }
            replayed.forEach { print("replayed " + DeadLetterCommand.line($0)) }
            print("replayed \(replayed.count)")
        }

        private func evaluate(_ chosen: [(letter: DeadLetter, message: AMQPMessage)], queue: String) throws {
            let verdicts = try WorkerHandlers.evaluate(
                chosen.map(\.message), forQueue: queue,
                in: ServiceSettings.fromEnvironment().connectDatabase())
            for (index, item) in chosen.enumerated() {
                let verdict = verdicts.map { "  => \($0[index])" } ?? ""
                print("would replay " + DeadLetterCommand.line(item.letter) + verdict)
            }
            var summary = "dry run: \(chosen.count) would be replayed"
            if let verdicts {
                let counts = Dictionary(grouping: verdicts, by: \.label).mapValues(\.count)
                summary +=
                    " ("
                    + ReplayEvaluation.Verdict.labels
                    .map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ") + ")"
            } else {
                summary += " (no worker consumes \(queue): not evaluated)"
            }
            print(summary)
        }
    }

    struct Intake: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take what waits in the dead-letter queues into the record, acknowledging each once recorded.",
            discussion: """
                The API does this all the time; run this where no API runs, or before recreating a dead-letter \
                queue. A message that reached a dead-letter queue some other way gets a record of its own.
                """)
        @Flag(help: "Take in what waits now, then exit (default: keep taking in until stopped).") var once = false
        @OptionGroup var topology: TopologyFileOption

        func run() throws {
            let queues = try topology.spec().queues.map(\.deadLetterQueue)
            let intake = try DeadLetterIntake(queues, settings: ServiceSettings.fromEnvironment())
            repeat {
                let recorded = try intake.takeIn(idle: .milliseconds(300))
                if once || recorded > 0 { print("taken in: \(recorded) new record(s)") }
            } while !once
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop dead letters for good (audited; the record keeps a tombstone).")
        @Argument(help: "A work queue, e.g. commands.payment.") var queue: String
        @OptionGroup var selection: DeadLetterSelection
        @Flag(help: "Confirm: the messages are gone afterwards.") var yes = false
        @OptionGroup var actor: ActorOption
        @OptionGroup var topology: TopologyFileOption

        func validate() throws {
            guard !selection.filter().isEmpty else { throw ValidationError("say which: --id or a filter") }
            guard yes else { throw ValidationError("purging deletes messages for good: add --yes") }
        }

        func run() throws {
            let purged = try DeadLetterCommand.open(queue, topology).purge(selection.filter(), actor: actor.name)
            purged.forEach { print("purged " + DeadLetterCommand.line($0)) }
            print("purged \(purged.count)")
        }
    }
}
