import Domain
import Foundation

/// A command checked at the door, ready to publish: its id, its type (the
/// routing key) and the exact body bytes.
public struct SubmittedCommand: Sendable {
    public let commandId: String
    public let type: String
    public let body: [UInt8]
    /// Of the canonical content: the same id with another digest is a
    /// different command (a conflict), not a copy.
    public let digest: String
    /// An operator's command: over HTTP it needs the `operate` scope.
    public let needsOperator: Bool
    /// What it takes out of an account, checked against a key's limits.
    public let debit: Debit?

    /// Checked exactly as the worker that consumes the type will check it.
    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        let name = try fields.string("type", maxLength: 64)
        guard let type = CommandType(rawValue: name) else {
            throw fields.fault(
                "type", "\"\(name)\" is not a command type (\(CommandType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let command: any DomainCommand
        switch type {
        case .payment: command = try PaymentCommand(body: body)
        case .milestoneComplete, .projectCreate, .milestoneFund, .milestoneCancel: command = try MilestoneCommand(body: body)
        case .debtRepayment, .debtOpen: command = try DebtCommand(body: body)
        case .riskRecalculate: command = try RiskRecalculation(body: body)
        case .accountOpen, .deposit, .withdrawal, .withdrawalSettle, .withdrawalFail, .accountFreeze, .accountUnfreeze, .accountClose:
            command = try AccountCommand(body: body)
        }
        self.init(command, body: body)
    }

    /// A command built here, published in its canonical form.
    public init(_ command: some DomainCommand) {
        self.init(command, body: command.canonicalBody)
    }

    private init(_ command: any DomainCommand, body: [UInt8]) {
        self.commandId = command.commandId
        self.type = command.type.rawValue
        self.digest = command.digest
        self.body = body
        self.debit = command.debit
        if case .cancel(let cancellation)? = command as? MilestoneCommand {
            needsOperator = cancellation.byOperator
        } else {
            needsOperator = command.type.isOperatorCommand
        }
    }
}

/// A JSON-lines file of commands, checked line by line before anything is
/// published.
public struct CommandFile: Sendable {
    public struct Refusal: Sendable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public private(set) var commands: [SubmittedCommand] = []
    /// The line number of each command.
    public private(set) var lines: [Int] = []
    public private(set) var refusals: [Refusal] = []

    /// Blank lines are skipped; every other line must be one command. A
    /// line repeating an earlier line's command is a copy (the inbox absorbs
    /// it); one reusing an earlier line's id for other content is refused.
    public init(contents: Data) {
        var lineNumber = 0
        var firstLines: [String: (line: Int, digest: String)] = [:]
        for line in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...])
            guard bytes.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
            do {
                let command = try SubmittedCommand(body: bytes)
                if let first = firstLines[command.commandId], first.digest != command.digest {
                    refusals.append(
                        Refusal(
                            line: lineNumber,
                            reason: """
                                field 'command_id': "\(command.commandId)" is also the id of line \(first.line), a different command; \
                                one id, one command
                                """))
                    continue
                }
                firstLines[command.commandId] = firstLines[command.commandId] ?? (lineNumber, command.digest)
                commands.append(command)
                lines.append(lineNumber)
            } catch {
                refusals.append(Refusal(line: lineNumber, reason: "\(error)"))
            }
        }
    }
}
