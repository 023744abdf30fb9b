import Domain
import PostgresClient

/// The accounts worker's rows, read and written set-based inside a batch's
/// transaction. Each kind of row is taken in key order (openings, deposit
/// claims, withdrawals, then accounts, as every worker locks them): two
/// lanes never wait on each other in a circle.
enum AccountStore {
    /// Inserts the wallets `account.open` asks for where the id is free
    /// (the first opening of each id in the batch), and returns their ids.
    /// A concurrent opening of the same id waits for this transaction and
    /// then finds it taken.
    static func insertOpenings(_ openings: [AccountOpening], in database: PostgresConnection) throws -> Set<String> {
        var first: [String: AccountOpening] = [:]
        for opening in openings where first[opening.accountId] == nil { first[opening.accountId] = opening }
        guard !first.isEmpty else { return [] }
        let wanted = first.keys.sorted().map { first[$0]! }
        try database.execute(
            prepared: "INSERT INTO users (id) SELECT DISTINCT unnest($1::text[]) ORDER BY 1 ON CONFLICT DO NOTHING",
            [wanted.map(\.userId)])
        let rows = try database.execute(
            prepared: """
                INSERT INTO accounts (id, kind, user_id, currency, purpose, portfolio)
                SELECT id, 'wallet', user_id, currency, purpose, purpose = 'portfolio'
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS o(id, user_id, currency, purpose)
                ON CONFLICT (id) DO NOTHING RETURNING id
                """,
            [wanted.map(\.accountId), wanted.map(\.userId), wanted.map(\.currency.code), wanted.map(\.purpose.rawValue)])
        return Set(try (0..<rows.count).map { try rows.decode($0, "id", as: String.self) })
    }

    /// Claims each deposit's `(gateway, external_id)`; returns the command
    /// ids that hold their claim. Of two deposits of one payment in a batch,
    /// the first claims it.
    static func claimDeposits(_ deposits: [Deposit], in database: PostgresConnection) throws -> Set<String> {
        guard !deposits.isEmpty else { return [] }
        let sorted = deposits.sorted { ($0.gateway, $0.externalId) < ($1.gateway, $1.externalId) }
        let rows = try database.execute(
            prepared: """
                INSERT INTO deposits (command_id, gateway, external_id, account, amount, currency)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
                ON CONFLICT DO NOTHING RETURNING command_id
                """,
            [
                sorted.map(\.commandId), sorted.map(\.gateway), sorted.map(\.externalId), sorted.map(\.account),
                sorted.map(\.amount.minorUnits), sorted.map(\.amount.currency.code),
            ])
        return Set(try (0..<rows.count).map { try rows.decode($0, "command_id", as: String.self) })
    }

    /// The withdrawals named, and every pending one of the accounts named
    /// (closing waits for them), locked.
    static func lockWithdrawals(_ ids: Set<String>, pendingOf accounts: Set<String>, in database: PostgresConnection) throws
        -> [String: WithdrawalState]
    {
        guard !ids.isEmpty || !accounts.isEmpty else { return [:] }
        let rows = try database.execute(
            prepared: """
                SELECT id, account, gateway, destination, amount, currency, status FROM withdrawals
                WHERE id = ANY($1::text[]) OR (account = ANY($2::text[]) AND status = 'pending')
                ORDER BY id FOR UPDATE
                """, [ids.sorted(), accounts.sorted()])
        var withdrawals: [String: WithdrawalState] = [:]
        for row in 0..<rows.count {
            let id = try rows.decode(row, "id", as: String.self)
            guard let currency = Currency(try rows.decode(row, "currency")),
                let status = WithdrawalStatus(rawValue: try rows.decode(row, "status"))
            else { continue }
            withdrawals[id] = WithdrawalState(
                id: id, account: try rows.decode(row, "account"),
                amount: Money(minorUnits: try rows.decode(row, "amount"), currency: currency), gateway: try rows.decode(row, "gateway"),
                destination: try rows.decode(row, "destination"), status: status)
        }
        return withdrawals
    }

    /// A gateway's clearing and payout accounts, created on first use.
    static func createGatewayAccounts(_ accounts: [(id: String, kind: String, currency: String)], in database: PostgresConnection) throws {
        guard !accounts.isEmpty else { return }
        let sorted = accounts.sorted { $0.id < $1.id }
        try database.execute(
            prepared: """
                INSERT INTO accounts (id, kind, currency) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
                ON CONFLICT (id) DO NOTHING
                """, [sorted.map(\.id), sorted.map(\.kind), sorted.map(\.currency)])
    }

    /// What the plan decided beyond balances: new and decided withdrawals,
    /// statuses, and the claims of refused deposits given back.
    static func record(_ plan: AccountPlan, in database: PostgresConnection) throws {
        let requested = plan.requested
        if !requested.isEmpty {
            try database.execute(
                prepared: """
                    INSERT INTO withdrawals (id, account, gateway, destination, amount, currency)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
                    """,
                [
                    requested.map(\.commandId), requested.map(\.account), requested.map(\.gateway), requested.map(\.destination),
                    requested.map(\.amount.minorUnits), requested.map(\.amount.currency.code),
                ])
        }
        let decided = plan.decided
        if !decided.isEmpty {
            try database.execute(
                prepared: """
                    UPDATE withdrawals w SET status = d.status, decided_at = now(), decided_by = d.command_id,
                        external_id = d.external_id, failure_reason = d.reason
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS d(id, status, command_id, external_id, reason)
                    WHERE w.id = d.id
                    """,
                [
                    decided.map(\.withdrawal.id), decided.map(\.withdrawal.status.rawValue), decided.map(\.outcome.commandId),
                    decided.map { (d) -> String? in if case .settle(let id) = d.outcome.decision { id } else { nil } },
                    decided.map { (d) -> String? in if case .fail(let reason) = d.outcome.decision { reason } else { nil } },
                ])
        }
        if !plan.statuses.isEmpty {
            let ids = plan.statuses.keys.sorted()
            try database.execute(
                prepared: """
                    UPDATE accounts a SET status = s.status, version = a.version + 1
                    FROM unnest($1::text[], $2::text[]) AS s(id, status) WHERE a.id = s.id
                    """, [ids, ids.map { plan.statuses[$0]!.rawValue }])
            // Under the accounts' row locks, after this batch's own postings:
            // where in each account's ledger the change took effect.
            let changes = plan.statusChanges
            try database.execute(
                prepared: """
                    INSERT INTO account_status_changes (account, status, reason, actor, command_id, last_entry_id)
                    SELECT c.account, c.status, c.reason, c.actor, c.command_id,
                           coalesce((SELECT max(e.id) FROM ledger_entries e WHERE e.account_id = c.account), 0)
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                        WITH ORDINALITY AS c(account, status, reason, actor, command_id, n)
                    ORDER BY c.n
                    """,
                [
                    changes.map(\.account), changes.map(\.target.rawValue), changes.map(\.reason), changes.map { $0.actor ?? "unknown" },
                    changes.map(\.commandId),
                ])
        }
        if !plan.refusedDeposits.isEmpty {
            try database.execute(prepared: "DELETE FROM deposits WHERE command_id = ANY($1::text[])", [plan.refusedDeposits])
        }
    }
}
