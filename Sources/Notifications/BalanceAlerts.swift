import Domain
import Foundation
import PostgresClient

/// Low-balance alerts: each wallet a batch's events took money from, or
/// that was below a threshold when last seen, is compared with each
/// low-balance rule's threshold once per batch, at its current balance; an
/// alert fires when it is below and was not when last seen. A wallet that
/// only received money and was not below cannot have fallen below (every
/// outflow is seen in its own batch), so it is skipped. Granularity is the
/// batch: a dip and recovery between two batches is not seen. What fires is
/// decided by `LowBalanceAlerts` (Domain); this reads and writes its state.
enum BalanceAlerts {
    static func evaluate(
        _ events: [DomainEvent], rules: [NotificationRules.LowBalance],
        in database: PostgresConnection
    ) throws -> [Notice] {
        let moved = LowBalanceAlerts.moved(by: events)
        guard !rules.isEmpty, !moved.cause.isEmpty else { return [] }
        let ruleIds = rules.map(\.ruleId)
        let below = try database.execute(
            prepared: """
                SELECT DISTINCT wallet FROM balance_alert_states WHERE rule_id = ANY($1::int[]) AND wallet = ANY($2::text[]) AND below
                """, [ruleIds, moved.cause.keys.filter { !moved.drawn.contains($0) }.sorted()])
        let wallets = try (moved.drawn.union((0..<below.count).map { try below.decode($0, "wallet", as: String.self) })).sorted()
        guard !wallets.isEmpty else { return [] }
        // Claim, then lock, the states in key order: two lanes take turns per wallet.
        try database.execute(
            prepared: """
                INSERT INTO balance_alert_states (rule_id, wallet, below, version)
                SELECT r, w, false, -1 FROM unnest($1::int[]) AS r CROSS JOIN unnest($2::text[]) AS w ORDER BY r, w ON CONFLICT DO NOTHING
                """, [ruleIds, wallets])
        let stateRows = try database.execute(
            prepared: """
                SELECT rule_id, wallet, below, version FROM balance_alert_states
                WHERE rule_id = ANY($1::int[]) AND wallet = ANY($2::text[]) ORDER BY rule_id, wallet FOR UPDATE
                """, [ruleIds, wallets])
        var states: [String: LowBalanceAlerts.State] = [:]
        for row in 0..<stateRows.count {
            let key = LowBalanceAlerts.key(rule: try stateRows.decode(row, "rule_id"), wallet: try stateRows.decode(row, "wallet"))
            states[key] = LowBalanceAlerts.State(below: try stateRows.decode(row, "below"), version: try stateRows.decode(row, "version"))
        }
        let accounts = try database.execute(
            prepared: "SELECT id, balance, version, currency FROM accounts WHERE id = ANY($1::text[])", [wallets])
        let averages = rules.contains(where: \.needsAverage) ? try thirtyDayAverages(wallets, in: database) : [:]
        let read = try (0..<accounts.count).compactMap { row -> LowBalanceAlerts.Wallet? in
            let id = try accounts.decode(row, "id", as: String.self)
            guard let currency = Currency(try accounts.decode(row, "currency")) else { return nil }
            return LowBalanceAlerts.Wallet(
                id: id, balance: try accounts.decode(row, "balance"), version: try accounts.decode(row, "version"),
                currency: currency, thirtyDayAverage: averages[id] ?? 0)
        }
        let decision = LowBalanceAlerts.decide(read, rules: rules, states: states, moved: moved)
        // Only a change of side is written: an update per wallet per batch
        // was most of what this rule cost.
        if !decision.changes.isEmpty {
            try database.execute(
                prepared: """
                    UPDATE balance_alert_states SET below = u.below, version = u.version
                    FROM unnest($1::int[], $2::text[], $3::bool[], $4::bigint[]) AS u(rule_id, wallet, below, version)
                    WHERE balance_alert_states.rule_id = u.rule_id AND balance_alert_states.wallet = u.wallet
                    """,
                [
                    decision.changes.map(\.ruleId), decision.changes.map(\.wallet), decision.changes.map(\.state.below),
                    decision.changes.map(\.state.version),
                ])
        }
        return decision.notices
    }

    /// Each wallet's average closing balance over 30 days (`ThirtyDayAverage`),
    /// from its net movement per UTC day (the days after the 30th day back
    /// are what it needs).
    private static func thirtyDayAverages(_ wallets: [String], in database: PostgresConnection) throws -> [String: Int64] {
        let rows = try database.execute(
            prepared: """
                SELECT a.id, a.balance, n.day::text AS day, n.net
                FROM accounts a LEFT JOIN wallet_daily_net n ON n.wallet = a.id AND n.day >= (now() AT TIME ZONE 'UTC')::date - 30
                WHERE a.id = ANY($1::text[])
                """, [wallets])
        var balances: [String: Int64] = [:]
        var daily: [String: [CalendarDay: Int64]] = [:]
        for row in 0..<rows.count {
            let wallet = try rows.decode(row, "id", as: String.self)
            balances[wallet] = try rows.decode(row, "balance")
            if let day = try rows.decode(row, "day", as: String?.self).flatMap(CalendarDay.init(iso:)),
                let net = try rows.decode(row, "net", as: Int64?.self)
            {
                daily[wallet, default: [:]][day] = net
            }
        }
        let today = CalendarDay(Date())
        return Dictionary(
            uniqueKeysWithValues: balances.map { wallet, balance in
                (wallet, ThirtyDayAverage.of(balance: balance, dailyNet: daily[wallet] ?? [:], today: today))
            })
    }
}
