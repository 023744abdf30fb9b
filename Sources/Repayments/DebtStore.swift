import Domain
import Ledger
import PostgresClient

/// Debts and their repayments, read and written set-based inside a batch's
/// transaction. Debt rows are locked before accounts, in id order, joined to
/// the ids rather than `= ANY` (the reason is `LedgerStore.lockAccounts`').
public enum DebtStore {
    static let columns = """
        id, borrower_id, lender_account, currency, principal, interest_carried, to_char(interest_from, 'YYYY-MM-DD') AS interest_from,
        annual_rate_bps, monthly_payment, due_day, business, status
        """

    public static func lock(_ ids: Set<String>, in database: PostgresConnection) throws -> [String: Debt] {
        try debts(
            database.execute(
                prepared: """
                    SELECT \(columns) FROM unnest($1::text[]) AS wanted(debt_id) JOIN debts ON debts.id = wanted.debt_id
                    ORDER BY id FOR NO KEY UPDATE OF debts
                    """, [ids.sorted()]))
    }

    /// Without locks, for reading (`flexfin debt`).
    public static func find(
        _ ids: [String]?, borrower: String? = nil, status: Debt.Status? = nil,
        in database: PostgresConnection
    ) throws -> [Debt] {
        let rows = try database.query(
            """
            SELECT \(columns) FROM debts
            WHERE ($1::text[] IS NULL OR id = ANY($1::text[])) AND ($2::text IS NULL OR borrower_id = $2)
              AND ($3::text IS NULL OR status = $3)
            ORDER BY id
            """, [ids, borrower, status?.rawValue])
        return try debts(rows).values.sorted { $0.id < $1.id }
    }

    private static func debts(_ rows: PostgresRows) throws -> [String: Debt] {
        var debts: [String: Debt] = [:]
        for row in 0..<rows.count {
            let id = try rows.decode(row, "id", as: String.self)
            let currency = try rows.decode(row, "currency", as: String.self)
            let from = try rows.decode(row, "interest_from", as: String.self)
            guard let code = Currency(currency), let interestFrom = CalendarDay(iso: from) else {
                throw PostgresError(
                    .dataException, operation: "decode", server: "-", message: "debt \(id): currency \(currency) or date \(from) unreadable"
                )
            }
            debts[id] = Debt(
                id: id, borrower: try rows.decode(row, "borrower_id"), lenderAccount: try rows.decode(row, "lender_account"),
                currency: code, principal: try rows.decode(row, "principal"),
                interestCarried: try rows.decode(row, "interest_carried"), interestFrom: interestFrom,
                annualRateBasisPoints: try rows.decode(row, "annual_rate_bps"),
                monthlyPayment: try rows.decode(row, "monthly_payment"), dueDay: try rows.decode(row, "due_day"),
                business: try rows.decode(row, "business"), status: try rows.decode(row, "status"))
        }
        return debts
    }

    /// Of the ids the openings name: the debts that exist, and the borrowers that do.
    static func existing(_ commands: [DebtOpening], in database: PostgresConnection) throws -> (debts: Set<String>, users: Set<String>) {
        let rows = try database.execute(
            prepared: """
                SELECT 'debt' AS what, id FROM debts WHERE id = ANY($1::text[])
                UNION ALL SELECT 'user', id FROM users WHERE id = ANY($2::text[])
                """, [commands.map(\.debtId), commands.map(\.borrower)])
        var found: [String: Set<String>] = [:]
        for row in 0..<rows.count { found[try rows.decode(row, "what"), default: []].insert(try rows.decode(row, "id")) }
        return (found["debt"] ?? [], found["user"] ?? [])
    }

    /// Each opened debt, after the lender accounts first named now (at zero).
    /// `flexfin seed` opens its debts here too.
    public static func open(
        _ opened: [DebtOpening], newLenderAccounts: [(id: String, currency: String)], in database: PostgresConnection
    ) throws {
        guard !opened.isEmpty else { return }
        if !newLenderAccounts.isEmpty {
            try database.execute(
                prepared: """
                    INSERT INTO accounts (id, kind, currency)
                    SELECT id, 'lender', currency FROM unnest($1::text[], $2::text[]) AS l(id, currency) ON CONFLICT DO NOTHING
                    """, [newLenderAccounts.map(\.id), newLenderAccounts.map(\.currency)])
        }
        try database.execute(
            prepared: """
                INSERT INTO debts (id, borrower_id, wallet, lender_account, currency, original_principal, principal, interest_from,
                                   annual_rate_bps, start_date, monthly_payment, due_day, business, disbursed, open_command)
                SELECT id, u, w, l, c, p, p, s::date, r, s::date, m, d, b, disbursed, o
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::bigint[], $9::bigint[],
                            $10::bigint[], $11::bool[], $12::bool[], $13::text[]) AS t(id, u, w, l, c, p, s, r, m, d, b, disbursed, o)
                """,
            [
                opened.map(\.debtId), opened.map(\.borrower), opened.map(\.account), opened.map(\.lenderAccount),
                opened.map(\.principal.currency.code), opened.map(\.principal.minorUnits), opened.map(\.startsOn.iso),
                opened.map { Int64($0.annualRateBasisPoints) }, opened.map(\.monthlyPayment), opened.map { Int64($0.dueDay) },
                opened.map(\.business), opened.map(\.disburse), opened.map(\.commandId),
            ])
    }

    /// The repayments' splits, and each debt as it stands after the batch.
    public static func record(_ repayments: [DebtRepaid], commands: [String], debts: [Debt], in database: PostgresConnection) throws {
        guard !repayments.isEmpty else { return }
        try database.execute(
            prepared: """
                INSERT INTO debt_repayments (command_id, debt_id, wallet, amount, interest, principal, remaining_principal, accrued_to)
                SELECT c, d, w, a, i, p, r, t::date FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
                                                                  $7::bigint[], $8::text[]) AS x(c, d, w, a, i, p, r, t)
                """,
            [
                commands, repayments.map(\.debtId), repayments.map(\.wallet), repayments.map(\.split.amount.minorUnits),
                repayments.map(\.split.interest), repayments.map(\.split.principal), repayments.map(\.split.remainingPrincipal),
                repayments.map(\.accruedTo.iso),
            ])
        try database.execute(
            prepared: """
                UPDATE debts d SET principal = x.p, interest_carried = x.c, interest_from = x.f::date, status = x.s,
                       paid_off_at = CASE WHEN x.s = 'paid_off' THEN now() END
                FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[]) AS x(id, p, c, f, s)
                WHERE d.id = x.id
                """,
            [
                debts.map(\.id), debts.map(\.principal), debts.map(\.interestCarried), debts.map(\.interestFrom.iso),
                debts.map(\.status.rawValue),
            ])
    }
}

extension Debt.Status: PostgresDecodable {}
