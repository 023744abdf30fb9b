import Domain
import Foundation
import Ledger
import PostgresClient

/// Seeds debts of the seeded users to one lender, `lender.bank.<currency>`:
/// debt i (`d0001`…) is user i's, repaid from wallet i, started 1 to 60 days
/// ago, half of them business debts. Rerunnable: existing debts stay.
public enum DebtSeeding {
    public static let principal: Int64 = 500_000
    public static let annualRateBasisPoints = 1_200
    public static let monthlyPayment: Int64 = 25_000

    public static func lender(_ currency: String) -> String { "lender.bank.\(currency)" }

    public static func seed(debts count: Int, wallets: Int, currency: String, today: CalendarDay = CalendarDay(Date()),
                            in database: PostgresConnection) throws -> Int {
        guard count > 0 else { return 0 }
        let indices = Array(1...count)
        let owners = indices.map { ($0 - 1) % wallets + 1 }
        let starts = indices.map { today.adding(days: -1 - $0 % 60).iso }
        return try database.transaction { db in
            try db.query("INSERT INTO accounts (id, kind, currency) VALUES ($1, 'lender', $2) ON CONFLICT DO NOTHING", [lender(currency), currency])
            let created = try db.query("""
                INSERT INTO debts (id, borrower_id, wallet, lender_account, currency, original_principal, principal, interest_from,
                                   annual_rate_bps, start_date, monthly_payment, due_day, business)
                SELECT id, u, w, $4, $5, $6, $6, s::date, $7, s::date, $8, d, b
                FROM unnest($1::text[], $2::text[], $3::text[], $9::text[], $10::int[], $11::bool[]) AS x(id, u, w, s, d, b)
                ON CONFLICT DO NOTHING RETURNING id
                """, [indices.map { "d" + Seeding.number($0, of: count) }, owners.map { Seeding.user($0, of: wallets) },
                      owners.map { Seeding.wallet($0, of: wallets) }, lender(currency), currency, principal, annualRateBasisPoints,
                      monthlyPayment, starts, indices.map { $0 % 28 + 1 }, indices.map { $0 % 2 == 0 }])
            return created.count
        }
    }
}
