import Domain
import PostgresClient

/// A user's quarter: totals per category, taxable income, the estimated
/// set-aside under the default jurisdiction's rate table, and the entries
/// that changed it (`flexfin tax summary`).
public struct TaxSummary: Sendable {
    public struct CategoryTotal: Sendable {
        public let category: String
        public let currency: String
        public let total: Int64
        public let entries: Int64
        /// nil: the category has no row in `tax_treatments` (counted as none).
        public let treatment: TaxTreatment?
    }

    public struct Change: Sendable {
        public let eventId: String
        public let eventType: String?
        public let category: String
        public let amount: Int64
        public let currency: String
        public let treatment: TaxTreatment?
        public let at: String
    }

    public let user: String
    public let jurisdiction: (code: String, name: String, source: String)
    public let table: TaxRateTable
    public let totals: [CategoryTotal]
    public let setAside: SetAside
    /// Newest first.
    public let changes: [Change]

    public static func load(_ user: String, quarter: TaxQuarter, changes limit: Int, in database: PostgresConnection) throws -> TaxSummary {
        let (jurisdiction, table) = try rateTable(for: quarter.year, in: database)
        let treatments = try database.execute(prepared: "SELECT category, treatment FROM tax_treatments")
        var treatment: [String: TaxTreatment] = [:]
        for row in 0..<treatments.count {
            treatment[try treatments.decode(row, "category")] = TaxTreatment(rawValue: try treatments.decode(row, "treatment"))
        }

        let rows = try database.execute(
            prepared: """
                SELECT quarter, category, currency, total, entries FROM tax_quarters
                WHERE user_id = $1 AND quarter = ANY($2::text[]) ORDER BY quarter, currency, category
                """, [user, quarter.yearToDate.map(\.description)])
        var totals: [CategoryTotal] = []
        var taxable: [TaxQuarter: Int64] = [:]
        for row in 0..<rows.count {
            let category = try rows.decode(row, "category", as: String.self)
            let currency = try rows.decode(row, "currency", as: String.self)
            let total = try rows.decode(row, "total", as: Int64.self)
            guard let of = TaxQuarter(try rows.decode(row, "quarter")) else { continue }
            if currency == table.currency.code {
                switch treatment[category] {
                case .income: taxable[of, default: 0] += total
                case .deduction: taxable[of, default: 0] -= total
                case .none?, nil: break
                }
            }
            if of == quarter {
                totals.append(
                    CategoryTotal(
                        category: category, currency: currency, total: total, entries: try rows.decode(row, "entries"),
                        treatment: treatment[category]))
            }
        }
        let entries = try database.execute(
            prepared: """
                SELECT event_id, event_type, category, amount, currency, created_at::text AS created_at FROM tax_entries
                WHERE user_id = $1 AND quarter = $2 ORDER BY created_at DESC, event_id, category LIMIT $3
                """, [user, quarter.description, limit])
        let changes = try (0..<entries.count).map { row in
            Change(
                eventId: try entries.decode(row, "event_id"), eventType: try entries.decode(row, "event_type"),
                category: try entries.decode(row, "category"), amount: try entries.decode(row, "amount"),
                currency: try entries.decode(row, "currency"), treatment: treatment[try entries.decode(row, "category", as: String.self)],
                at: try entries.decode(row, "created_at"))
        }
        return TaxSummary(
            user: user, jurisdiction: jurisdiction, table: table, totals: totals,
            setAside: SetAside(quarter, taxable: taxable, table: table), changes: changes)
    }

    /// The default jurisdiction's table for `year`, or its latest earlier one
    /// (its earliest when none is earlier).
    static func rateTable(for year: Int, in database: PostgresConnection) throws
        -> (jurisdiction: (code: String, name: String, source: String), table: TaxRateTable)
    {
        let found = try database.execute(
            prepared: """
                SELECT j.code, j.name, j.source, j.currency,
                       coalesce((SELECT max(tax_year) FROM tax_rate_brackets WHERE jurisdiction = j.code AND tax_year <= $1),
                                (SELECT min(tax_year) FROM tax_rate_brackets WHERE jurisdiction = j.code)) AS table_year
                FROM tax_jurisdictions j WHERE j.is_default
                """, [year])
        guard found.count == 1, let currency = Currency(try found.decode(0, "currency")),
            let tableYear = try found.decode(0, "table_year", as: Int?.self)
        else {
            throw TaxTableMissing()
        }
        let code = try found.decode(0, "code", as: String.self)
        let brackets = try database.execute(
            prepared: """
                SELECT component, lower_bound, rate_bps FROM tax_rate_brackets WHERE jurisdiction = $1 AND tax_year = $2
                """, [code, tableYear])
        var components: [String: [TaxRateTable.Bracket]] = [:]
        for row in 0..<brackets.count {
            components[try brackets.decode(row, "component"), default: []].append(
                .init(from: try brackets.decode(row, "lower_bound"), rateBasisPoints: try brackets.decode(row, "rate_bps")))
        }
        return (
            (code, try found.decode(0, "name"), try found.decode(0, "source")),
            TaxRateTable(jurisdiction: code, year: tableYear, currency: currency, components: components)
        )
    }

    struct TaxTableMissing: Error, CustomStringConvertible {
        var description: String {
            "no default tax jurisdiction with a rate table (tax_jurisdictions, tax_rate_brackets; migration 0012 seeds one)"
        }
    }
}
