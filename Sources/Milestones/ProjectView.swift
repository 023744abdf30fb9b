import Domain
import PostgresClient

/// A project as its parties read it (`flexfin project show`, `GET
/// /v1/projects/{id}`): parties, currency, fee, where releases go, and each
/// milestone with its status, escrow, the fundings that filled it and,
/// once completed, its release, or once cancelled, what went back to whom.
/// Money in minor units with the currency.
public struct ProjectView: Sendable {
    public let projectId: String
    public let client: String
    public let freelancer: String
    public let currency: String
    public let portfolioWallet: String?
    public let feeBasisPoints: Int64
    /// One JSON object per milestone, in id order.
    public let milestones: [JSONObject]

    /// nil when there is no such project.
    public static func load(_ id: String, in database: PostgresConnection) throws -> ProjectView? {
        try database.transaction(.repeatableRead) { db in
            let project = try db.execute(
                prepared: """
                    SELECT p.client_id, p.freelancer_id, p.currency, p.portfolio_wallet,
                           coalesce(p.fee_basis_points, (SELECT value FROM platform_settings WHERE name = 'milestone_fee_basis_points'))
                             AS fee_basis_points
                    FROM projects p WHERE p.id = $1
                    """, [id])
            guard project.count == 1 else { return nil }
            let rows = try db.execute(
                prepared: """
                    SELECT m.id, m.title, m.amount, m.status, a.balance, m.fee, m.net, m.paid_to,
                           to_char(m.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS completed_at,
                           m.cancelled_by, m.cancel_actor, m.cancel_reason, m.returned,
                           to_char(m.cancelled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS cancelled_at
                    FROM milestones m JOIN accounts a ON a.id = m.escrow_account WHERE m.project_id = $1 ORDER BY m.id
                    """, [id])
            let fundings = try db.execute(
                prepared: """
                    SELECT m.id AS milestone, t.debit_account AS wallet, t.amount, t.command_id,
                           to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
                    FROM milestones m JOIN transfers t ON t.credit_account = m.escrow_account AND t.kind = 'escrow_fund'
                    WHERE m.project_id = $1 ORDER BY t.id
                    """, [id])
            let returns = try db.execute(
                prepared: """
                    SELECT m.id AS milestone, e.account_id AS wallet, e.amount
                    FROM milestones m JOIN transfers t ON t.debit_account = m.escrow_account AND t.kind = 'escrow_return'
                    JOIN ledger_entries e ON e.transfer_id = t.id AND e.amount > 0
                    WHERE m.project_id = $1 ORDER BY e.account_id
                    """, [id])
            var returned: [String: [JSONValue]] = [:]
            for row in 0..<returns.count {
                returned[try returns.decode(row, "milestone"), default: []].append(
                    .object(["wallet": .string(try returns.decode(row, "wallet")), "amount": .integer(try returns.decode(row, "amount"))]))
            }
            var funded: [String: [JSONValue]] = [:]
            for row in 0..<fundings.count {
                funded[try fundings.decode(row, "milestone"), default: []].append(
                    .object([
                        "wallet": .string(try fundings.decode(row, "wallet")), "amount": .integer(try fundings.decode(row, "amount")),
                        "command_id": .string(try fundings.decode(row, "command_id")), "at": .string(try fundings.decode(row, "at")),
                    ]))
            }
            let milestones = try (0..<rows.count).map { row -> JSONObject in
                let milestone = try rows.decode(row, "id", as: String.self)
                var fields: JSONObject = [
                    "milestone_id": .string(milestone), "title": .string(try rows.decode(row, "title")),
                    "amount": .integer(try rows.decode(row, "amount")), "status": .string(try rows.decode(row, "status")),
                    "escrow": .integer(try rows.decode(row, "balance")), "fundings": .array(funded[milestone] ?? []),
                ]
                if let fee = try rows.decode(row, "fee", as: Int64?.self) {
                    fields["release"] = .object([
                        "fee": .integer(fee), "net": .integer(try rows.decode(row, "net")),
                        "paid_to": .string(try rows.decode(row, "paid_to")),
                        "at": .string(try rows.decode(row, "completed_at")),
                    ])
                }
                if let by = try rows.decode(row, "cancelled_by", as: String?.self) {
                    fields["cancellation"] = .object([
                        "by": .string(by), "actor": .optional(try rows.decode(row, "cancel_actor")),
                        "reason": .string(try rows.decode(row, "cancel_reason")), "returned": .integer(try rows.decode(row, "returned")),
                        "returns": .array(returned[milestone] ?? []), "at": .string(try rows.decode(row, "cancelled_at")),
                    ])
                }
                return fields
            }
            return ProjectView(
                projectId: id, client: try project.decode(0, "client_id"), freelancer: try project.decode(0, "freelancer_id"),
                currency: try project.decode(0, "currency"), portfolioWallet: try project.decode(0, "portfolio_wallet"),
                feeBasisPoints: try project.decode(0, "fee_basis_points"), milestones: milestones)
        }
    }

    /// The ids of the projects a user is a party to, as client or freelancer.
    public static func ids(ofUser user: String, in database: PostgresConnection) throws -> [String] {
        let rows = try database.execute(
            prepared: "SELECT id FROM projects WHERE client_id = $1 OR freelancer_id = $1 ORDER BY created_at, id", [user])
        return try (0..<rows.count).map { try rows.decode($0, "id") }
    }

    public var json: JSONValue {
        .object([
            "project_id": .string(projectId), "client": .string(client), "freelancer": .string(freelancer), "currency": .string(currency),
            "portfolio_wallet": .optional(portfolioWallet), "fee_basis_points": .integer(feeBasisPoints),
            "milestones": .array(milestones.map(JSONValue.object)),
        ])
    }

    /// For people: money by the currency's exponent.
    public var text: String {
        var lines = [
            "project \(projectId): client \(client), freelancer \(freelancer), \(currency), fee \(feeBasisPoints) bps, pays to \(portfolioWallet ?? "the freelancer's wallet")"
        ]
        for m in milestones {
            func text(_ value: JSONValue?) -> String {
                switch value {
                case .string(let s)?: s
                case .integer(let i)?: Money.text(i, currency)
                default: "-"
                }
            }
            var line = "  \(text(m["milestone_id"])): \(text(m["status"])), amount \(text(m["amount"])), escrow \(text(m["escrow"]))"
            if case .array(let fundings)? = m["fundings"], !fundings.isEmpty {
                line += ", \(fundings.count) funding\(fundings.count == 1 ? "" : "s")"
            }
            if case .object(let release)? = m["release"] {
                line +=
                    "; released: fee \(text(release["fee"])), net \(text(release["net"])) to \(text(release["paid_to"])) at \(text(release["at"]))"
            }
            if case .object(let cancellation)? = m["cancellation"] {
                line +=
                    "; cancelled by \(text(cancellation["by"])) (\(text(cancellation["reason"]))): \(text(cancellation["returned"])) returned at \(text(cancellation["at"]))"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
