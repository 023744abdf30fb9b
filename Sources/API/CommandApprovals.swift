import APIKeys
import Audit
import Domain
import Foundation
import PostgresClient
import Submission
import WorkerRuntime

/// Commands held at the door above their key's ceiling (`command_approvals`),
/// and an operator's approval (published then, as its submitter sent it) or
/// decline (never published); both on the audit log, each by a key other
/// than the submitter's.
enum CommandApprovals {
    /// Why a command was not published.
    enum Withheld {
        case pending(amount: Money, ceiling: Money)
        case declined(by: String, reason: String?)
    }

    /// Holds the commands given a ceiling, and says which of all these ids
    /// must not be published: held and waiting, or declined (a resubmission
    /// of a held command is held too, whichever key sends it).
    static func withhold(
        _ commands: [(command: SubmittedCommand, ceiling: Money?)], key: APIKey, in database: PostgresConnection
    ) throws -> [String: Withheld] {
        guard !commands.isEmpty else { return [:] }
        for case (let command, let ceiling?) in commands {
            guard let debit = command.debit else { continue }
            try database.execute(
                prepared: """
                    INSERT INTO command_approvals (command_id, command_type, body, submitted_by, submitted_by_name, debit_account,
                      amount, currency, ceiling)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (command_id) DO NOTHING
                    """,
                [
                    command.commandId, command.type, String(decoding: command.body, as: UTF8.self), key.id, key.name, debit.account,
                    debit.amount,
                    ceiling.currency.code, ceiling.minorUnits,
                ])
        }
        let rows = try database.execute(
            prepared: """
                SELECT command_id, decision, decided_by_name, reason, amount, currency, ceiling FROM command_approvals
                WHERE command_id = ANY($1::text[]) AND decision IS DISTINCT FROM 'approved'
                """, [commands.map(\.command.commandId)])
        var withheld: [String: Withheld] = [:]
        for row in 0..<rows.count {
            let id = try rows.decode(row, "command_id", as: String.self)
            if let decider = try rows.decode(row, "decided_by_name", as: String?.self) {
                withheld[id] = .declined(by: decider, reason: try rows.decode(row, "reason"))
            } else {
                let currency = Currency(try rows.decode(row, "currency", as: String.self))!
                withheld[id] = .pending(
                    amount: Money(minorUnits: try rows.decode(row, "amount"), currency: currency),
                    ceiling: Money(minorUnits: try rows.decode(row, "ceiling"), currency: currency))
            }
        }
        return withheld
    }

    /// Approves or declines a held command as `key`, which must not be the
    /// submitter's. An approval publishes the command before it commits:
    /// a publish the broker does not confirm leaves it held (503).
    static func decide(
        _ id: String, approve: Bool, by key: APIKey, reason: String?, _ connections: ServicePool.Connections
    ) throws -> Reply {
        try APIError.checkId(id)
        return try connections.database().transaction { db in
            let held = try db.execute(
                prepared: """
                    SELECT command_type, body, submitted_by, submitted_by_name, debit_account, amount, currency, decision,
                      decided_by_name FROM command_approvals WHERE command_id = $1 FOR UPDATE
                    """, [id])
            guard held.count == 1 else {
                throw APIError(status: .notFound, code: "not_held", message: "no command \"\(id)\" is held for approval")
            }
            if let decision = try held.decode(0, "decision", as: String?.self) {
                throw APIError(
                    status: .conflict, code: "already_decided",
                    message: "command \"\(id)\" was already \(decision) by \(try held.decode(0, "decided_by_name", as: String.self))")
            }
            let submitter = try held.decode(0, "submitted_by_name", as: String.self)
            guard try held.decode(0, "submitted_by", as: String.self) != key.id else {
                throw APIError(
                    status: .forbidden, code: "same_key",
                    message: "key \"\(key.name)\" submitted command \"\(id)\": another operator's key must approve or decline it")
            }
            try db.execute(
                prepared: """
                    UPDATE command_approvals SET decision = $2, decided_by = $3, decided_by_name = $4, decided_at = now(), reason = $5
                    WHERE command_id = $1
                    """, [id, approve ? "approved" : "declined", key.id, key.name, reason])
            let decision = CommandDecision(
                actor: key.name, commandId: id, commandType: try held.decode(0, "command_type"), submittedBy: submitter,
                debitAccount: try held.decode(0, "debit_account"),
                amount: Money(
                    minorUnits: try held.decode(0, "amount"), currency: Currency(try held.decode(0, "currency", as: String.self))!),
                reason: reason)
            try AuditHandler.record(approve ? .commandApproved(decision) : .commandDeclined(decision), in: db)
            if approve {
                let command = try SubmittedCommand(body: Array(try held.decode(0, "body", as: String.self).utf8))
                do {
                    try connections.producer().publish([command], actor: submitter, keyId: try held.decode(0, "submitted_by"))
                } catch {
                    connections.drop()
                    throw APIError.unavailable("the broker did not confirm the publish; the command is still held")
                }
            }
            return Reply(
                .ok,
                .object([
                    "command_id": .string(id), "status": approve ? "accepted" : "declined", "decided_by": .string(key.name),
                    "submitted_by": .string(submitter),
                ]))
        }
    }
}

extension CommandApprovals.Withheld {
    /// The answer for a command not published: 202 while it waits, 409 once declined.
    func refusal(_ command: SubmittedCommand) -> (status: Int, fields: JSONObject) {
        switch self {
        case .pending(let amount, let ceiling):
            return (
                202,
                [
                    "command_id": .string(command.commandId), "type": .string(command.type), "status": "pending_approval",
                    "amount": .integer(amount.minorUnits), "ceiling": .integer(ceiling.minorUnits),
                    "currency": .string(amount.currency.code),
                    "location": .string("/v1/commands/\(command.commandId)"),
                    "message": .string(
                        "\(amount.text) is above this key's ceiling of \(ceiling.text): held until an operator with another key approves it at POST /v1/commands/\(command.commandId)/approve"
                    ),
                ]
            )
        case .declined(let by, let reason):
            return (
                409,
                APIError(
                    status: .conflict, code: "command_declined",
                    message:
                        "command \"\(command.commandId)\" was declined by \(by)\(reason.map { ": \($0)" } ?? ""); nothing was published"
                ).json.objectFields
            )
        }
    }
}
