import Domain

extension Debt {
    /// A debt as the CLI's `--json` and `GET /v1/debts/{id}` give it: terms,
    /// outstanding principal, interest accrued to `today` and the payoff,
    /// in minor units with the currency.
    public func json(today: CalendarDay) -> JSONValue {
        .object([
            "debt_id": .string(id), "borrower": .string(borrower), "lender": .string(lenderAccount),
            "currency": .string(currency.code), "status": .string(status.rawValue), "business": .bool(business),
            "annual_rate_bps": .integer(annualRateBasisPoints), "monthly_payment": .integer(monthlyPayment),
            "due_day": .integer(Int64(dueDay)), "outstanding_principal": .integer(principal),
            "accrued_interest": .integer(interest(on: today)), "payoff": .integer(payoff(on: today)),
            "as_of": .string(today.iso),
        ])
    }
}

extension AmortizationSchedule {
    /// Its lines, each payment split into interest and principal, and what remains.
    public func json(of debt: Debt) -> JSONValue {
        .object([
            "debt_id": .string(debt.id), "currency": .string(debt.currency.code),
            "lines": .array(
                lines.map {
                    .object([
                        "date": .string($0.day.iso), "payment": .integer($0.payment), "interest": .integer($0.interest),
                        "principal": .integer($0.principal), "remaining": .integer($0.remaining),
                    ])
                }),
        ])
    }
}
