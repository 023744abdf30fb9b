import Domain
import Foundation
import PostgresClient

/// Low-balance alerts: each wallet a batch's events took money from, or
/// that was below a threshold when last seen, is compared with each
/// low-balance rule's threshold once per batch, at its current balance; an
/// alert fires when it is below and was not when last seen. A wallet that
/// only received money and was not below cannot have fallen below (every
/// outflow is seen in its own batch), so it is skipped. Granularity is the
/// batch: a dip and recovery between two batches is not seen.
enum BalanceAlerts {
    static func evaluate(
        _ events: [DomainEvent], rules: [NotificationRules.LowBalance],
        in database: PostgresConnection
    ) throws -> [Notice] {
        // The last event of the batch that moved each wallet names the alert.
        var cause: [String: (event: DomainEvent, user: String)] = [:]
        var drawn: Set<String> = []
        for event in events {
            for moved in event.payload.walletsMoved {
                cause[moved.wallet] = (event, moved.user)
                if moved.outflow { drawn.insert(moved.wallet) }
            }
        }
        guard !rules.isEmpty, !cause.isEmpty else { return [] }
        let ruleIds = rules.map(\.ruleId)
        let below = try database.execute(
            prepared: """
                SELECT DISTINCT wallet FROM balance_alert_states WHERE rule_id = ANY($1::int[]) AND wallet = ANY($2::text[]) AND below
                """, [ruleIds, cause.keys.filter { !drawn.contains($0) }.sorted()])
        let wallets = try (drawn.union((0..<below.count).map { try below.decode($0, "wallet", as: String.self) })).sorted()
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
        var states: [String: (below: Bool, version: Int64)] = [:]
        for row in 0..<stateRows.count {
            states["\(try stateRows.decode(row, "rule_id", as: Int64.self))/\(try stateRows.decode(row, "wallet", as: String.self))"] =
                (try stateRows.decode(row, "below"), try stateRows.decode(row, "version"))
        }
        let accounts = try database.execute(
            prepared: "SELECT id, balance, version, currency FROM accounts WHERE id = ANY($1::text[])", [wallets])
        let averages = rules.contains(where: \.needsAverage) ? try thirtyDayAverages(wallets, in: database) : [:]

        var notices: [Notice] = []
        var updates: (rules: [Int64], wallets: [String], below: [Bool], versions: [Int64]) = ([], [], [], [])
        for row in 0..<accounts.count {
            let wallet = try accounts.decode(row, "id", as: String.self)
            let (balance, version) = (
                try accounts.decode(row, "balance", as: Int64.self), try accounts.decode(row, "version", as: Int64.self)
            )
            guard let currency = Currency(try accounts.decode(row, "currency")), let (event, user) = cause[wallet] else { continue }
            for rule in rules {
                let key = "\(rule.ruleId)/\(wallet)"
                // Seen at this version or a newer one already (another lane, a redelivery).
                guard let state = states[key], state.version < version,
                    let threshold = rule.minorUnits(currency: currency, thirtyDayAverage: averages[wallet] ?? 0)
                else { continue }
                let crossing = BalanceCrossing.evaluate(wasBelow: state.below, balance: balance, threshold: threshold)
                // Only a change of side is written: the same side seen at a
                // newer version decides nothing new (lanes take turns on the
                // state and read the balance after, so what they read only
                // moves forward), and an update per wallet per batch was most
                // of what this rule cost.
                guard crossing.below != state.below else { continue }
                updates.rules.append(rule.ruleId)
                updates.wallets.append(wallet)
                updates.below.append(crossing.below)
                updates.versions.append(version)
                guard crossing.fires else { continue }
                let limit =
                    switch rule.threshold {
                    case .below: "\(threshold) \(currency)"
                    case .percentOfThirtyDayAverage(let percent):
                        "\(threshold) \(currency) (\(percent) % of its 30-day average, \(averages[wallet] ?? 0))"
                    }
                notices.append(
                    Notice(
                        eventId: event.eventId, user: user, eventType: event.type.rawValue, kind: "low_balance", subject: wallet,
                        text: "Your wallet \(wallet) is low: its balance \(balance) \(currency) is below \(limit)."))
            }
        }
        if !updates.rules.isEmpty {
            try database.execute(
                prepared: """
                    UPDATE balance_alert_states SET below = u.below, version = u.version
                    FROM unnest($1::int[], $2::text[], $3::bool[], $4::bigint[]) AS u(rule_id, wallet, below, version)
                    WHERE balance_alert_states.rule_id = u.rule_id AND balance_alert_states.wallet = u.wallet
                    """, [updates.rules, updates.wallets, updates.below, updates.versions])
        }
        return notices
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
