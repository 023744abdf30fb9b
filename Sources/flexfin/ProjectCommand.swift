import ArgumentParser
import Domain
import PostgresClient
import Settings

struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Projects and their milestones.",
        subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A project's parties and its milestones with their status and escrow.")

        @Argument(help: "The project id.") var projectId: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            let database = try ServiceSettings.fromEnvironment().connectDatabase()
            let project = try database.query(
                """
                SELECT p.client_id, p.freelancer_id, p.currency, p.portfolio_wallet,
                       coalesce(p.fee_basis_points, (SELECT value FROM platform_settings WHERE name = 'milestone_fee_basis_points'))
                         AS fee_basis_points
                FROM projects p WHERE p.id = $1
                """, [projectId])
            guard !project.isEmpty else {
                printError("no project \(projectId)")
                throw ExitCode(3)
            }
            let rows = try database.query(
                """
                SELECT m.id, m.title, m.amount, m.status, a.balance, m.fee, m.net, m.paid_to,
                       to_char(m.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS completed_at
                FROM milestones m JOIN accounts a ON a.id = m.escrow_account WHERE m.project_id = $1 ORDER BY m.id
                """, [projectId])
            let milestones: [JSONValue] = try (0..<rows.count).map { row in
                var fields: JSONObject = [
                    "milestone_id": .string(try rows.decode(row, "id")), "title": .string(try rows.decode(row, "title")),
                    "amount": .integer(try rows.decode(row, "amount")), "status": .string(try rows.decode(row, "status")),
                    "escrow": .integer(try rows.decode(row, "balance")),
                ]
                if let fee = try rows.decode(row, "fee", as: Int64?.self) {
                    fields["fee"] = .integer(fee)
                    fields["net"] = .integer(try rows.decode(row, "net"))
                    fields["paid_to"] = .string(try rows.decode(row, "paid_to"))
                    fields["completed_at"] = .string(try rows.decode(row, "completed_at"))
                }
                return .object(fields)
            }
            let client = try project.decode(0, "client_id", as: String.self)
            let freelancer = try project.decode(0, "freelancer_id", as: String.self)
            let currency = try project.decode(0, "currency", as: String.self)
            let portfolio = try project.decode(0, "portfolio_wallet", as: String?.self)
            let bps = try project.decode(0, "fee_basis_points", as: Int64.self)
            if json {
                print(
                    JSONValue.object([
                        "project_id": .string(projectId), "client": .string(client), "freelancer": .string(freelancer),
                        "currency": .string(currency), "portfolio_wallet": portfolio.map(JSONValue.string) ?? .null,
                        "fee_basis_points": .integer(bps), "milestones": .array(milestones),
                    ]).serialized)
                return
            }
            print(
                "project \(projectId): client \(client), freelancer \(freelancer), \(currency), fee \(bps) bps, pays to \(portfolio ?? "the freelancer's wallet")"
            )
            for case .object(let m) in milestones {
                func text(_ key: String) -> String {
                    switch m[key] {
                    case .string(let s)?: s
                    case .integer(let i)?: Money.text(i, currency)
                    default: "-"
                    }
                }
                var line = "  \(text("milestone_id")): \(text("status")), amount \(text("amount")), escrow \(text("escrow"))"
                if m["fee"] != nil {
                    line += "; released: fee \(text("fee")), net \(text("net")) to \(text("paid_to")) at \(text("completed_at"))"
                }
                print(line)
            }
        }
    }
}
