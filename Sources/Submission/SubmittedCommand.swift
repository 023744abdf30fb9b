import Domain
import Foundation

/// A command checked at the door, ready to publish: its id, its type (the
/// routing key) and the exact body bytes.
public struct SubmittedCommand: Sendable {
    public let commandId: String
    public let type: String
    public let body: [UInt8]

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
        self.commandId = type == PaymentCommand.type ? try PaymentCommand(body: body).commandId : try fields.id("command_id")
        self.type = type
        self.body = body
    }

    public init(payment: PaymentCommand) {
        var object: [String: JSONValue] = [
            "command_id": .string(payment.commandId), "type": .string(PaymentCommand.type), "payer": .string(payment.payer),
            "payee": .string(payment.payee), "amount": .integer(payment.amount.minorUnits),
            "currency": .string(payment.amount.currency.code), "kind": .string(payment.kind),
        ]
        object["memo"] = payment.memo.map(JSONValue.string)
        object["reference"] = payment.reference.map(JSONValue.string)
        self.commandId = payment.commandId
        self.type = PaymentCommand.type
        self.body = Array(JSONValue.object(object).serialized.utf8)
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

    /// Blank lines are skipped; every other line must be one command.
    public init(contents: Data) {
        var lineNumber = 0
        for line in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...])
            guard bytes.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
            do { commands.append(try SubmittedCommand(body: bytes)) } catch {
                refusals.append(Refusal(line: lineNumber, reason: "\(error)"))
            }
        }
    }
}
