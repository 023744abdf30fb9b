import Domain
import PostgresClient

/// What `project.create` reads and writes, set-based inside the batch's transaction.
enum ProjectCreationStore {
    /// Of the ids the creations name: the projects and milestones that
    /// exist, and the users that do.
    static func existing(_ commands: [ProjectCreation], in database: PostgresConnection) throws -> (
        projects: Set<String>, milestones: Set<String>, users: Set<String>
    ) {
        let rows = try database.execute(
            prepared: """
                SELECT 'project' AS what, id FROM projects WHERE id = ANY($1::text[])
                UNION ALL SELECT 'milestone', id FROM milestones WHERE id = ANY($2::text[])
                UNION ALL SELECT 'user', id FROM users WHERE id = ANY($3::text[])
                """,
            [commands.map(\.projectId), commands.flatMap { $0.milestones.map(\.id) }, commands.flatMap { [$0.client, $0.freelancer] }])
        var found: [String: Set<String>] = [:]
        for row in 0..<rows.count { found[try rows.decode(row, "what"), default: []].insert(try rows.decode(row, "id")) }
        return (found["project"] ?? [], found["milestone"] ?? [], found["user"] ?? [])
    }

    /// Each project, its milestones and their escrow accounts (at zero),
    /// and the fee account of its currency if this is the first. The fee
    /// account is a hot row: seen to exist, it is not touched (`ON
    /// CONFLICT` alone would wait for whichever release holds it).
    static func insert(_ created: [ProjectCreation], in database: PostgresConnection) throws {
        guard !created.isEmpty else { return }
        let currencies = Set(created.map(\.currency.code)).sorted()
        try database.execute(
            prepared: """
                INSERT INTO accounts (id, kind, currency)
                SELECT f.id, 'fees', f.currency FROM unnest($1::text[], $2::text[]) AS f(id, currency)
                WHERE NOT EXISTS (SELECT FROM accounts a WHERE a.id = f.id)
                ON CONFLICT DO NOTHING
                """, [currencies.map(SystemAccount.fees), currencies])
        let milestones = created.flatMap { project in project.milestones.map { (project, $0) } }
        let escrows = milestones.map { SystemAccount.escrow(milestone: $0.1.id) }
        try database.execute(
            prepared: """
                INSERT INTO accounts (id, kind, currency) SELECT * FROM unnest($1::text[], array_fill('escrow'::text, ARRAY[cardinality($1::text[])]), $2::text[])
                """, [escrows, milestones.map(\.0.currency.code)])
        try database.execute(
            prepared: """
                INSERT INTO projects (id, client_id, freelancer_id, currency, portfolio_wallet, fee_basis_points)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
                """,
            [
                created.map(\.projectId), created.map(\.client), created.map(\.freelancer), created.map(\.currency.code),
                created.map(\.payoutAccount), created.map { $0.feeBasisPoints.map { Int64($0) } },
            ])
        try database.execute(
            prepared: """
                INSERT INTO milestones (id, project_id, title, amount, escrow_account, due_date)
                SELECT id, project, title, amount, escrow, due::date
                FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS m(id, project, title, amount, escrow, due)
                """,
            [
                milestones.map(\.1.id), milestones.map(\.0.projectId), milestones.map(\.1.title), milestones.map(\.1.amount), escrows,
                milestones.map { $0.1.dueDate?.iso },
            ])
    }
}
