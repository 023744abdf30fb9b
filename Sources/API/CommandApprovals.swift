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

    /// Which of these claimed commands must not be published, and why: the
    /// ones above the key's ceiling, held here, and resubmissions of a
    /// command held before (whichever key sends them) while it waits or once
    /// declined. Only resubmissions are looked up: a new id was never held.
    static func withhold(
        _ claimed: [(command: SubmittedCommand, ceiling: Money?, claim: CommandIntake.Claim)], key: APIKey,
        in database: PostgresConnection
    ) throws -> [String: Withheld] {
        let held = claimed.compactMap { item -> (command: SubmittedCommand, debit: Debit, ceiling: Money)? in
            guard let ceiling = item.ceiling, let debit = item.command.debit else { return nil }
            return (item.command, debit, ceiling)
        }
        var withheld: [String: Withheld] = [:]
        if !held.isEmpty {
            try database.execute(
                prepared: """
                    INSERT INTO command_approvals (command_id, command_type, body, debit_account, amount, currency, ceiling, submitted_by,
                      submitted_by_name)
                    SELECT h.*, $8, $9
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[])
                      AS h(id, type, body, account, amount, currency, ceiling)
                    ON CONFLICT (command_id) DO NOTHING
                    """,
                [
                    held.map(\.command.commandId), held.map(\.command.type), held.map { String(decoding: $0.command.body, as: UTF8.self) },
                    held.map(\.debit.account), held.map(\.debit.amount), held.map(\.ceiling.currency.code), held.map(\.ceiling.minorUnits),
                    key.id, key.name,
                ])
            for item in held {
                withheld[item.command.commandId] = .pending(
                    amount: Money(minorUnits: item.debit.amount, currency: item.ceiling.currency), ceiling: item.ceiling)
            }
        }
        let resubmitted = claimed.filter { $0.claim == .resubmission }.map(\.command.commandId)
        guard !resubmitted.isEmpty else { return withheld }
        let rows = try database.execute(
            prepared: """
                SELECT command_id, decided_by_name, reason, amount, currency, ceiling FROM command_approvals
                WHERE command_id = ANY($1::text[]) AND decision IS DISTINCT FROM 'approved'
                """, [resubmitted])
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
