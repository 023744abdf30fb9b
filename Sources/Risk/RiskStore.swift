import Domain
import Foundation
import PostgresClient

/// Reads what a score is computed from (the model, a user's ledger) and
/// keeps the scores. One reader serves the worker, `flexfin risk show` and
/// the benchmark's recomputation, so they cannot compute differently.
public enum RiskStore {
    /// The newest model version.
    public static func model(in database: PostgresConnection) throws -> RiskModel {
        let model = try database.execute(
            prepared: """
                SELECT version, currency, band_medium, band_high, band_critical FROM risk_models ORDER BY version DESC LIMIT 1
                """)
        guard model.count == 1, let currency = Currency(try model.decode(0, "currency", as: String.self)) else {
            throw RiskModelMissing()
        }
        let version = try model.decode(0, "version", as: Int64.self)
        let factors = try database.execute(
            prepared: """
                SELECT factor, weight, good, bad FROM risk_model_factors WHERE model_version = $1 ORDER BY factor
                """, [version])
        let rules = try (0..<factors.count).compactMap { row in
            try RiskFactor(rawValue: factors.decode(row, "factor")).map {
                RiskModel.Rule(
                    $0, weight: try factors.decode(row, "weight"), good: try factors.decode(row, "good"),
                    bad: try factors.decode(row, "bad"))
            }
        }
        return RiskModel(
            version: version, currency: currency, rules: rules,
            bands: .init(
                medium: try model.decode(0, "band_medium"), high: try model.decode(0, "band_high"),
                critical: try model.decode(0, "band_critical")))
    }

    struct RiskModelMissing: Error, CustomStringConvertible {
        var description: String { "no risk model: risk_models is empty (migration 0010 seeds version 1)" }
    }

    /// A moment as text (exact when passed back) and as a date: `at`, or the
    /// database clock now (the clock ledger rows are stamped by).
    public static func moment(_ at: String? = nil, in database: PostgresConnection) throws -> (text: String, date: Date) {
        let rows = try database.execute(
            prepared: """
                SELECT t::text AS text, (extract(epoch FROM t) * 1000000)::bigint AS microseconds FROM (SELECT coalesce($1::timestamptz, clock_timestamp()) AS t) AS moment
                """, [at])
        return (try rows.decode(0, "text"), try date(rows.decode(0, "microseconds")))
    }

    /// Each user's score as of a moment: what the worker records, and what
    /// a recomputation checks it against.
    /// `facts` is the worker's memory of transfers, accounts and movements; a recomputation passes none.
    public static func score(
        _ users: [String], asOf: (text: String, date: Date), model: RiskModel,
        facts: LedgerFacts = LedgerFacts(), in database: PostgresConnection
    ) throws -> [String: RiskScore] {
        try evidence(for: users, asOf: asOf, currency: model.currency, facts: facts, in: database)
            .mapValues { model.score($0.values(asOf: asOf.date)) }
    }

    static func date(_ microseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    /// Movements are read and kept a day past the window, so a clock that
    /// steps back a little still finds the window's oldest in memory.
    static let kept = RiskEvidence.window + 86_400

    /// Each user's evidence for the 90 days ending at `asOf`, in the
    /// model's currency. Movements newer than `asOf` may be among them:
    /// `RiskEvidence.values(asOf:)` leaves them out, so a recomputation at
    /// the same `asOf` counts the same ones. Only entries past what `facts`
    /// remembers are read: rescoring a user read all 90 days each time
    /// (230,000 rows a mixed run, for some 40,000 new ones).
    public static func evidence(
        for users: [String], asOf: (text: String, date: Date), currency: Currency,
        facts: LedgerFacts = LedgerFacts(), in database: PostgresConnection
    ) throws -> [String: RiskEvidence] {
        var histories = facts.histories(of: users, in: currency)
        let seen = histories.values.flatMap(\.through)
        // Each wallet is read from its own last entry read on (an index
        // seek on (account_id, id), migration 0020): the cost is the new
        // entries, not the window, however large the ledger grows. The
        // lateral subquery keeps the planner from joining the remembered
        // positions after scanning every wallet's window (OFFSET 0: not flattened).
        let lines = try database.execute(
            prepared: """
                SELECT a.user_id, a.id AS wallet, le.id AS entry, le.amount, (extract(epoch FROM le.created_at) * 1000000)::bigint AS at,
                       le.transfer_id
                FROM accounts a
                CROSS JOIN LATERAL (
                    SELECT e.id, e.amount, e.created_at, e.transfer_id FROM ledger_entries e
                    WHERE e.account_id = a.id AND e.id > coalesce(($5::bigint[])[array_position($4::text[], a.id)], 0)
                      AND e.created_at > $2::timestamptz - $6 * interval '1 second'
                    OFFSET 0) le
                WHERE a.user_id = ANY($1::text[]) AND a.kind = 'wallet' AND a.currency = $3
                """, [users, asOf.text, currency.code, seen.map(\.key), seen.map(\.value), Int64(kept)])
        // Positions looked up once: this loop runs over every new entry.
        let (userColumn, walletColumn, entryColumn, amountColumn, atColumn, transferColumn) = try (
            lines.column("user_id"), lines.column("wallet"), lines.column("entry"), lines.column("amount"), lines.column("at"),
            lines.column("transfer_id")
        )
        let transfer = try facts.transfers(
            Set((0..<lines.count).map { try lines.decode($0, transferColumn, as: Int64.self) }), in: database)
        let party = try facts.parties(Set(transfer.values.flatMap { [$0.debitAccount, $0.creditAccount] }), in: database)
        let oldest = asOf.date.addingTimeInterval(-kept)
        for user in users {
            histories[user, default: LedgerFacts.History(currency: currency, through: [:], movements: [])].movements.removeAll {
                $0.at <= oldest
            }
        }
        // Users whose movements name a party not settled yet (an escrow read
        // before its milestone): read afresh next time.
        var unsettled: Set<String> = []
        for row in 0..<lines.count {
            let user = try lines.decode(row, userColumn, as: String.self)
            let wallet = try lines.decode(row, walletColumn, as: String.self)
            let entry = try lines.decode(row, entryColumn, as: Int64.self)
            histories[user]!.through[wallet] = max(entry, histories[user]!.through[wallet] ?? 0)
            // Every entry has its transfer (LedgerStore writes both in one statement).
            guard let moved = transfer[try lines.decode(row, transferColumn)] else {
                unsettled.insert(user)
                continue
            }
            // Each party looked up once per entry: hashing account ids was the risk worker's largest cost.
            let amount = try lines.decode(row, amountColumn, as: Int64.self)
            let debit = party[moved.debitAccount]
            let credit = party[moved.creditAccount]
            if debit?.settled != true || credit?.settled != true { unsettled.insert(user) }
            // A user, or the system account itself (clearing, a lender).
            let counterparty =
                amount > 0
                ? debit?.owner ?? debit?.client ?? moved.debitAccount
                : credit?.owner ?? credit?.client ?? moved.creditAccount
            histories[user]!.movements.append(
                RiskEvidence.Movement(
                    amount: amount, at: date(try lines.decode(row, atColumn)), kind: moved.kind, counterparty: counterparty,
                    ownTransfer: debit?.owner != nil && debit?.owner == credit?.owner))
        }
        facts.remember(
            Dictionary(uniqueKeysWithValues: users.map { ($0, unsettled.contains($0) ? nil : histories[$0]) }), read: lines.count)
        let balances = try database.execute(
            prepared: """
                SELECT user_id, sum(balance)::bigint AS balance FROM accounts
                WHERE kind = 'wallet' AND user_id = ANY($1::text[]) AND currency = $2 GROUP BY user_id
                """, [users, currency.code])
        var balance: [String: Int64] = [:]
        for row in 0..<balances.count { balance[try balances.decode(row, "user_id")] = try balances.decode(row, "balance") }
        let debts = try debtStandings(of: users, asOf: asOf.text, currency: currency, in: database)
        return Dictionary(
            uniqueKeysWithValues: users.map {
                ($0, RiskEvidence(movements: histories[$0]?.movements ?? [], balance: balance[$0] ?? 0, debts: debts[$0] ?? []))
            })
    }

    /// Active debts with their repayments up to `asOf` over the last three
    /// months (what the last two due dates look at).
    private static func debtStandings(
        of users: [String], asOf: String, currency: Currency,
        in database: PostgresConnection
    ) throws -> [String: [RiskEvidence.DebtStanding]] {
        let debts = try database.execute(
            prepared: """
                SELECT borrower_id, id, monthly_payment, due_day, start_date::text AS start_date FROM debts
                WHERE borrower_id = ANY($1::text[]) AND status = 'active' AND currency = $2 ORDER BY id
                """, [users, currency.code])
        let ids = try (0..<debts.count).map { try debts.decode($0, "id", as: String.self) }
        let repaid = try database.execute(
            prepared: """
                SELECT debt_id, accrued_to::text AS accrued_to, amount FROM debt_repayments
                WHERE debt_id = ANY($1::text[]) AND created_at <= $2::timestamptz AND accrued_to > $2::timestamptz::date - 100
                ORDER BY accrued_to, command_id
                """, [ids, asOf])
        var repayments: [String: [(day: CalendarDay, amount: Int64)]] = [:]
        for row in 0..<repaid.count {
            guard let day = CalendarDay(iso: try repaid.decode(row, "accrued_to")) else { continue }
            repayments[try repaid.decode(row, "debt_id"), default: []].append((day, try repaid.decode(row, "amount")))
        }
        var standings: [String: [RiskEvidence.DebtStanding]] = [:]
        for row in 0..<debts.count {
            guard let start = CalendarDay(iso: try debts.decode(row, "start_date")) else { continue }
            standings[try debts.decode(row, "borrower_id"), default: []].append(
                RiskEvidence.DebtStanding(
                    monthlyPayment: try debts.decode(row, "monthly_payment"), dueDay: try debts.decode(row, "due_day"), startDate: start,
                    repayments: repayments[ids[row]] ?? []))
        }
        return standings
    }
}
