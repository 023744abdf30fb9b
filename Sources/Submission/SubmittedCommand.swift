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

    /// The command types of the contract (queues/schemas/command.*.json).
    public static let types: Set<String> = ["payment", "milestone.complete", "debt.repayment", "risk.recalculate"]

    /// Payments are validated in full, as the payments worker will; the
    /// other types for their envelope (id and type) until their workers exist.
    public init(body: [UInt8]) throws(InvalidMessage) {
        let fields = try MessageFields(body: body)
        let type = try fields.string("type", maxLength: 64)
        guard Self.types.contains(type) else {
            throw InvalidMessage(field: "type", "\"\(type)\" is not a command type (\(Self.types.sorted().joined(separator: ", ")))")
        }
        if type == PaymentCommand.type {
            let payment = try PaymentCommand(body: body)
            (commandId, digest) = (payment.commandId, payment.digest)
        } else {
            (commandId, digest) = (try fields.id("command_id"), ContentDigest.of(Array(JSONValue.object(fields.values).serialized.utf8)))
        }
        self.type = type
        self.body = body
    }

    public init(payment: PaymentCommand) {
        self.commandId = payment.commandId
        self.type = PaymentCommand.type
        self.body = payment.canonicalBody
        self.digest = payment.digest
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
                    refusals.append(Refusal(line: lineNumber, reason: """
                        field 'command_id': "\(command.commandId)" is also the id of line \(first.line), a different command; \
                        one id, one command
                        """))
                    continue
                }
                firstLines[command.commandId] = firstLines[command.commandId] ?? (lineNumber, command.digest)
                commands.append(command)
            } catch {
                refusals.append(Refusal(line: lineNumber, reason: "\(error)"))
            }
        }
    }
}
