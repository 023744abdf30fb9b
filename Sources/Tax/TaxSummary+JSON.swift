import Domain

extension TaxSummary {
    /// The summary as the CLI's `--json` and `GET /v1/users/{id}/tax` give it:
    /// money as integer minor units with its currency.
    public func json(quarter: TaxQuarter) -> JSONValue {
        let currency = table.currency.code
        return JSONValue.object([
            "user_id": .string(user), "quarter": .string(quarter.description),
            "jurisdiction": .object([
                "code": .string(jurisdiction.code), "name": .string(jurisdiction.name),
                "source": .string(jurisdiction.source), "table_year": .integer(Int64(table.year)),
                "currency": .string(currency),
            ]),
            "totals": .array(
                totals.map {
                    .object([
                        "category": .string($0.category), "currency": .string($0.currency), "total": .integer($0.total),
                        "entries": .integer($0.entries), "treatment": .optional($0.treatment?.rawValue),
                    ])
                }),
            "taxable_income": .integer(setAside.taxable), "year_to_date_taxable_income": .integer(setAside.yearToDateTaxable),
            "year_to_date_tax": .integer(setAside.yearToDateTax), "earlier_quarters_tax": .integer(setAside.earlierQuartersTax),
            "set_aside": .integer(setAside.amount),
            "changes": .array(
                changes.map {
                    .object([
                        "event_id": .string($0.eventId), "event_type": .optional($0.eventType),
                        "category": .string($0.category),
                        "amount": .integer($0.amount), "currency": .string($0.currency),
                        "treatment": .optional($0.treatment?.rawValue),
                        "at": .string($0.at),
                    ])
                }),
        ])
    }
}
