import Domain
import Foundation
import Ledger
import PostgresClient

/// Seeds debts of the seeded users to one lender, `lender.bank.<currency>`:
/// debt i (`d0001`…) is user i's, repaid from wallet i, started 1 to 60 days
/// ago, 12 % a year, half of them business debts. Rerunnable: existing
/// debts stay.
public enum DebtSeeding {
    public static let principal: Int64 = 500_000

    public static func lender(_ currency: String) -> String { SystemAccount.lender("bank", currency) }

    /// The terms of debt `index` of `count`, as `seed` writes them.
    public static func debt(
        _ index: Int, of count: Int, wallets: Int, principal: Int64 = principal, currency: Currency = Currency("USD")!,
        today: CalendarDay
    ) -> Debt {
        Debt(
            id: "d" + Seeding.number(index, of: count), borrower: Seeding.user((index - 1) % wallets + 1, of: wallets),
            lenderAccount: lender(currency.code), currency: currency, principal: principal, interestCarried: 0,
            interestFrom: today.adding(days: -1 - index % 60), annualRateBasisPoints: 1_200, monthlyPayment: principal / 20,
            dueDay: index % 28 + 1, business: index % 2 == 0, status: .active)
    }

    public static func seed(
        debts count: Int, wallets: Int, principal: Int64 = principal, currency: String,
        today: CalendarDay = CalendarDay(Date()), in database: PostgresConnection
    ) throws -> Int {
        guard count > 0, let code = Currency(currency) else { return 0 }
        let debts = (1...count).map { debt($0, of: count, wallets: wallets, principal: principal, currency: code, today: today) }
        let paying = (1...count).map { Seeding.wallet(($0 - 1) % wallets + 1, of: wallets) }
        return try database.transaction { db in
            try db.query(
                "INSERT INTO accounts (id, kind, currency) VALUES ($1, 'lender', $2) ON CONFLICT DO NOTHING", [lender(currency), currency])
            let created = try db.query(
                """
                INSERT INTO debts (id, borrower_id, wallet, lender_account, currency, original_principal, principal, interest_from,
                                   annual_rate_bps, start_date, monthly_payment, due_day, business)
                SELECT id, u, w, l, $5, p, p, s::date, r, s::date, m, d, b
                FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $6::text[], $7::int[], $8::bigint[], $9::int[], $10::bool[],
                            $11::text[]) AS x(id, u, l, p, s, r, m, d, b, w)
                ON CONFLICT DO NOTHING RETURNING id
                """,
                [
                    debts.map(\.id), debts.map(\.borrower), debts.map(\.lenderAccount), debts.map(\.principal), currency,
                    debts.map(\.interestFrom.iso), debts.map(\.annualRateBasisPoints), debts.map(\.monthlyPayment), debts.map(\.dueDay),
                    debts.map(\.business), paying,
                ])
            return created.count
        }
    }
}
