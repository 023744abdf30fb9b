import Domain
import PostgresClient

/// A command held above its key's ceiling, waiting for an operator's
/// approval (`command_approvals`): what an approver looks at.
public struct HeldCommand: Sendable, Equatable {
    public let commandId: String
    public let type: String
    public let debitAccount: String
    public let amount: Money
    public let ceiling: Money
    /// The submitting key's name.
    public let submittedBy: String
    /// ISO 8601, UTC.
    public let heldAt: String

    public var json: JSONValue {
        .object([
            "command_id": .string(commandId), "type": .string(type), "debit_account": .string(debitAccount),
            "amount": .integer(amount.minorUnits), "ceiling": .integer(ceiling.minorUnits), "currency": .string(amount.currency.code),
            "submitted_by": .string(submittedBy), "held_at": .string(heldAt),
        ])
    }
}

public enum HeldCommands {
    /// The commands still waiting, oldest first, `limit` of them after the
    /// one named `after` (a page's last id).
    public static func pending(after: String? = nil, limit: Int, in database: PostgresConnection) throws -> [HeldCommand] {
        let rows = try database.execute(
            prepared: """
                SELECT command_id, command_type, debit_account, amount, ceiling, currency, submitted_by_name,
                  to_char(held_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS held_at
                FROM command_approvals
                WHERE decision IS NULL
                  AND ($1::text IS NULL OR (held_at, command_id) > (SELECT held_at, command_id FROM command_approvals WHERE command_id = $1))
                ORDER BY held_at, command_id LIMIT $2
                """, [after, limit])
        return try (0..<rows.count).map { row in
            // Written from a command's validated Money: always ISO 4217.
            let currency = Currency(try rows.decode(row, "currency", as: String.self))!
            return HeldCommand(
                commandId: try rows.decode(row, "command_id"), type: try rows.decode(row, "command_type"),
                debitAccount: try rows.decode(row, "debit_account"),
                amount: Money(minorUnits: try rows.decode(row, "amount"), currency: currency),
                ceiling: Money(minorUnits: try rows.decode(row, "ceiling"), currency: currency),
                submittedBy: try rows.decode(row, "submitted_by_name"), heldAt: try rows.decode(row, "held_at"))
        }
    }
}
