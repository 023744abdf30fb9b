import Domain
import Ledger
import PostgresClient

/// Seeds projects between the seeded users, each with four milestones: the
/// first three funded through real `escrow_fund` postings from the client's
/// wallet (when it can cover them), the fourth not funded. Every second
/// project pays into a portfolio wallet of its freelancer. Rerunnable: only
/// what is created now is funded.
public enum ProjectSeeding {
    public static let milestoneAmounts: [Int64] = [10_000, 25_000, 40_000, 15_000]
    public static let fundedPerProject = 3

    /// Project i (`p0001`…) has client u(i) and freelancer u(i+1) of the
    /// `wallets` seeded users.
    /// Returns the projects created now and how many of their milestones were funded.
    public static func seed(
        projects count: Int, wallets: Int, currency: String,
        in database: PostgresConnection
    ) throws -> (created: Int, fundedMilestones: Int) {
        guard count > 0 else { return (0, 0) }
        precondition(wallets >= 2, "projects need at least two users")
        let indices = Array(1...count)
        let ids = indices.map { "p" + Seeding.number($0, of: count) }
        let clients = indices.map { ($0 - 1) % wallets + 1 }
        let freelancers = clients.map { $0 % wallets + 1 }
        let portfolios: [String?] = indices.map { $0 % 2 == 0 ? "pw" + Seeding.number(freelancers[$0 - 1], of: wallets) : nil }
        return try database.transaction { db in
            try db.query(
                """
                INSERT INTO accounts (id, kind, user_id, currency, portfolio)
                SELECT DISTINCT w, 'wallet', u, $3, true FROM unnest($1::text[], $2::text[]) AS x(w, u) WHERE w IS NOT NULL
                ON CONFLICT DO NOTHING
                """, [portfolios, freelancers.map { Seeding.user($0, of: wallets) }, currency])
            let created = try db.query(
                """
                INSERT INTO projects (id, client_id, freelancer_id, currency, portfolio_wallet)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                ON CONFLICT DO NOTHING RETURNING id
                """,
                [
                    ids, clients.map { Seeding.user($0, of: wallets) }, freelancers.map { Seeding.user($0, of: wallets) },
                    Array(repeating: currency, count: count), portfolios,
                ])
            let clientWallets = Dictionary(uniqueKeysWithValues: zip(ids, clients.map { Seeding.wallet($0, of: wallets) }))
            let fresh = try (0..<created.count).map { try created.decode($0, "id", as: String.self) }
            guard !fresh.isEmpty else { return (0, 0) }
            // A client wallet that cannot cover a milestone (a wallet of an
            // earlier seed, since spent) leaves it pending rather than fail.
            var balances = try LedgerStore.lockAccounts(Set(clientWallets.values), in: db).mapValues(\.balance)
            var milestones: [(id: String, project: String, payer: String, amount: Int64, funded: Bool)] = []
            for project in fresh {
                let payer = clientWallets[project]!
                for (offset, amount) in milestoneAmounts.enumerated() {
                    let funded = offset < fundedPerProject && (balances[payer] ?? 0) >= amount
                    if funded { balances[payer]! -= amount }
                    milestones.append(("\(project)-m\(offset + 1)", project, payer, amount, funded))
                }
            }
            try db.query(
                """
                INSERT INTO accounts (id, kind, currency) SELECT e, 'escrow', $2 FROM unnest($1::text[]) AS e
                """, [milestones.map { SystemAccount.escrow(milestone: $0.id) }, currency])
            try db.query(
                """
                INSERT INTO milestones (id, project_id, title, amount, escrow_account, status)
                SELECT id, p, 'milestone ' || right(id, 1), a, e, CASE WHEN f THEN 'funded' ELSE 'pending' END
                FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bool[], $5::text[]) AS x(id, p, a, f, e)
                """,
                [
                    milestones.map(\.id), milestones.map(\.project), milestones.map(\.amount), milestones.map(\.funded),
                    milestones.map { SystemAccount.escrow(milestone: $0.id) },
                ])
            let funded = milestones.filter(\.funded)
            try LedgerStore.post(
                funded.map {
                    TransferPosting(
                        commandId: "seed-escrow:\($0.id)", kind: PaymentCommand.escrowFund, debitAccount: $0.payer,
                        creditAccount: SystemAccount.escrow(milestone: $0.id), amount: $0.amount, currency: currency, reference: $0.id)
                }, in: db)
            var changes: [String: Int64] = [:]
            for milestone in funded {
                changes[milestone.payer, default: 0] -= milestone.amount
                changes[SystemAccount.escrow(milestone: milestone.id)] = milestone.amount
            }
            try LedgerStore.applyBalanceChanges(changes, in: db)
            return (fresh.count, funded.count)
        }
    }
}
