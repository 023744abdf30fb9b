import Domain
import Foundation
import PostgresClient
import Repayments

/// Seeds debts of the seeded users to one lender, `lender.bank.<currency>`,
/// through the repayments worker's own code (`RepaymentHandler.apply` of a
/// `debt.open` each, not disbursed: owed for money lent elsewhere): debt i
/// (`d0001`…) is user i's, repaid from wallet i, started 1 to 60 days ago,
/// 12 % a year, half of them business debts. Rerunnable: a debt that exists
/// is refused (`debt_exists`) and stays as it is.
public enum DebtSeeding {
    public static let principal: Int64 = 500_000
    public static let lender = "bank"

    public static func lender(_ currency: String) -> String { SystemAccount.lender(lender, currency) }

    /// The terms of debt `index` of `count`, as `seed` opens them.
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

    /// Returns how many debts were opened now.
    public static func seed(
        debts count: Int, wallets: Int, principal: Int64 = principal, currency: String,
        today: CalendarDay = CalendarDay(Date()), in database: PostgresConnection
    ) throws -> Int {
        guard count > 0, let code = Currency(currency) else { return 0 }
        let openings = (1...count).map { index -> DebtCommand in
            let debt = debt(index, of: count, wallets: wallets, principal: principal, currency: code, today: today)
            return .open(
                DebtOpening(
                    commandId: "seed-debt:\(debt.id)", debtId: debt.id, borrower: debt.borrower,
                    account: Seeding.wallet((index - 1) % wallets + 1, of: wallets), lender: lender,
                    principal: Money(minorUnits: debt.principal, currency: code), annualRateBasisPoints: debt.annualRateBasisPoints,
                    monthlyPayment: debt.monthlyPayment, dueDay: debt.dueDay, business: debt.business, startDate: debt.interestFrom,
                    disburse: false, acceptedOn: today))
        }
        let effects = try database.transaction { try RepaymentHandler().apply(openings, in: $0) }
        return effects.events.filter { $0.type == .debtOpened }.count
    }
}
