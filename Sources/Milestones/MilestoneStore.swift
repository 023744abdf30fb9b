import Domain
import Ledger
import PostgresClient

/// Milestones and their escrow, read and written set-based inside a batch's
/// transaction. Milestone rows are locked before accounts, in id order, by
/// both the payments worker (funding) and the milestones worker (release):
/// one lock order, no deadlocks. Locks join the ids rather than `= ANY`, for
/// the reason `LedgerStore.lockAccounts` gives.
public enum MilestoneStore {
    /// The milestones `escrow_fund` payments name, locked.
    public static func lockEscrowTargets(_ ids: Set<String>, in database: PostgresConnection) throws -> [String: EscrowTarget] {
        guard !ids.isEmpty else { return [:] }
        let rows = try database.execute(
            prepared: """
                SELECT m.id, m.escrow_account, p.client_id, m.amount, m.status
                FROM unnest($1::text[]) AS wanted(milestone_id) JOIN milestones m ON m.id = wanted.milestone_id
                JOIN projects p ON p.id = m.project_id
                ORDER BY m.id FOR NO KEY UPDATE OF m
                """, [ids.sorted()])
        var targets: [String: EscrowTarget] = [:]
        for row in 0..<rows.count {
            let id = try rows.decode(row, "id", as: String.self)
            targets[id] = EscrowTarget(
                milestoneId: id, escrowAccount: try rows.decode(row, "escrow_account"),
                client: try rows.decode(row, "client_id"), amount: try rows.decode(row, "amount"),
                status: try rows.decode(row, "status"))
        }
        return targets
    }

    /// Milestones whose escrow now holds their amount.
    public static func markFunded(_ ids: [String], in database: PostgresConnection) throws {
        guard !ids.isEmpty else { return }
        try database.execute(prepared: "UPDATE milestones SET status = 'funded' WHERE id = ANY($1::text[]) AND status = 'pending'", [ids])
    }

    /// The milestones fundings, completions and cancellations name, locked:
    /// each with its payout wallet, and for those in `cancelling`, what
    /// each wallet paid into its escrow. The caller locks the accounts next.
    public static func lock(_ ids: Set<String>, cancelling: Set<String>, in database: PostgresConnection) throws -> [String: MilestoneState]
    {
        guard !ids.isEmpty else { return [:] }
        let rows = try database.execute(
            prepared: """
                SELECT m.id, m.project_id, p.client_id, p.freelancer_id, p.currency, m.amount, m.status, m.escrow_account,
                       coalesce(p.fee_basis_points, (SELECT value FROM platform_settings WHERE name = 'milestone_fee_basis_points'))
                         AS fee_basis_points,
                       coalesce(p.portfolio_wallet, (SELECT a.id FROM accounts a
                           WHERE a.user_id = p.freelancer_id AND a.kind = 'wallet' AND a.currency = p.currency AND NOT a.portfolio
                           ORDER BY a.status = 'open' DESC, a.id LIMIT 1)) AS wallet
                FROM unnest($1::text[]) AS wanted(milestone_id) JOIN milestones m ON m.id = wanted.milestone_id
                JOIN projects p ON p.id = m.project_id
                ORDER BY m.id FOR NO KEY UPDATE OF m
                """, [ids.sorted()])
        let funders = try fundedBy(cancelling, in: database)
        var milestones: [String: MilestoneState] = [:]
        for row in 0..<rows.count {
            let id = try rows.decode(row, "id", as: String.self)
            milestones[id] = MilestoneState(
                id: id, projectId: try rows.decode(row, "project_id"), client: try rows.decode(row, "client_id"),
                freelancer: try rows.decode(row, "freelancer_id"), currency: try rows.decode(row, "currency"),
                amount: try rows.decode(row, "amount"), status: try rows.decode(row, "status"),
                escrowAccount: try rows.decode(row, "escrow_account"), feeBasisPoints: try rows.decode(row, "fee_basis_points"),
                payoutWallet: try rows.decode(row, "wallet"), fundedBy: funders[id] ?? [:])
        }
        return milestones
    }

    /// What each wallet paid into each milestone's escrow: its `escrow_fund`
    /// transfers, whichever door they came through.
    static func fundedBy(_ ids: Set<String>, in database: PostgresConnection) throws -> [String: [String: Int64]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try database.execute(
            prepared: """
                SELECT m.id, t.debit_account AS wallet, sum(t.amount)::bigint AS paid
                FROM unnest($1::text[]) AS wanted(id) JOIN milestones m ON m.id = wanted.id
                JOIN ledger_entries e ON e.account_id = m.escrow_account AND e.amount > 0
                JOIN transfers t ON t.id = e.transfer_id AND t.kind = 'escrow_fund'
                GROUP BY 1, 2
                """, [ids.sorted()])
        var funded: [String: [String: Int64]] = [:]
        for row in 0..<rows.count {
            funded[try rows.decode(row, "id"), default: [:]][try rows.decode(row, "wallet")] = try rows.decode(row, "paid")
        }
        return funded
    }

    /// The parties of each project.
    public static func projects(_ ids: Set<String>, in database: PostgresConnection) throws -> [String: (
        client: String, freelancer: String
    )] {
        let rows = try database.execute(
            prepared: "SELECT id, client_id, freelancer_id FROM projects WHERE id = ANY($1::text[])", [ids.sorted()])
        var projects: [String: (client: String, freelancer: String)] = [:]
        for row in 0..<rows.count {
            projects[try rows.decode(row, "id")] = (try rows.decode(row, "client_id"), try rows.decode(row, "freelancer_id"))
        }
        return projects
    }

    /// Each release on its milestone row.
    public static func recordReleases(
        _ releases: [(command: MilestoneCompletion, release: MilestoneCompleted, escrowAccount: String)],
        in database: PostgresConnection
    ) throws {
        guard !releases.isEmpty else { return }
        try database.execute(
            prepared: """
                UPDATE milestones m SET status = 'completed', completed_by = r.by, completion_command = r.command, fee = r.fee,
                       net = r.net, paid_to = r.wallet, completed_at = now()
                FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS r(id, by, command, fee, net, wallet)
                WHERE m.id = r.id
                """,
            [
                releases.map(\.release.milestoneId), releases.map(\.command.completedBy), releases.map(\.command.commandId),
                releases.map(\.release.release.fee), releases.map(\.release.release.net), releases.map(\.release.wallet),
            ])
    }
}

extension MilestoneStatus: PostgresDecodable {}

extension MilestoneStore {
    /// Each cancellation on its milestone row: who, why, what went back.
    public static func recordCancellations(
        _ cancellations: [(command: MilestoneCancellation, cancelled: MilestoneCancelled, escrowAccount: String)],
        in database: PostgresConnection
    ) throws {
        guard !cancellations.isEmpty else { return }
        try database.execute(
            prepared: """
                UPDATE milestones m SET status = 'cancelled', cancelled_by = c.by, cancel_actor = c.actor, cancel_reason = c.reason,
                       cancel_command = c.command, returned = c.returned, cancelled_at = now()
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS c(id, by, actor, reason, command, returned)
                WHERE m.id = c.id
                """,
            [
                cancellations.map(\.cancelled.milestoneId), cancellations.map(\.cancelled.by), cancellations.map(\.cancelled.actor),
                cancellations.map(\.cancelled.reason), cancellations.map(\.command.commandId), cancellations.map(\.cancelled.totalReturned),
            ])
    }
}
