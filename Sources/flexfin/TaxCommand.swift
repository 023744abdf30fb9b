import ArgumentParser
import Domain
import Foundation
import Settings
import Tax

struct TaxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tax", abstract: "Tax per user and quarter.", subcommands: [Summary.self])

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Totals per category, taxable income, the estimated set-aside and what changed it, for a user's quarter.",
            discussion: """
                The set-aside taxes the year's taxable income to date with the default jurisdiction's rate table \
                (tax_jurisdictions, tax_rate_brackets) and takes off what the year's earlier quarters already set aside.
                """)
        @Argument(help: "The user id.") var user: String
        @Option(help: "The quarter, e.g. 2026Q4 (default: the current one, UTC).") var quarter: String?
        @Option(help: "How many of the quarter's entries to list.") var changes = 20
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            let now = TaxRules.quarter(ofISO8601: Date().formatted(Date.ISO8601FormatStyle()))!
            guard let wanted = TaxQuarter(quarter ?? now) else {
                throw ValidationError("--quarter must look like 2026Q4, not \(quarter ?? "")")
            }
            let summary = try Tax.TaxSummary.load(
                user, quarter: wanted, changes: changes, in: ServiceSettings.fromEnvironment().connectDatabase())
            let setAside = summary.setAside
            let currency = summary.table.currency.code
            if json { return print(summary.json(quarter: wanted).serialized) }
            print("\(user), \(wanted): \(summary.jurisdiction.name) (rates of \(summary.table.year); \(summary.jurisdiction.source))")
            print("category                  treatment             total  entries")
            for total in summary.totals {
                print(
                    "\(total.category.padding(toLength: 25, withPad: " ", startingAt: 0)) \((total.treatment?.rawValue ?? "none (no rule)").padding(toLength: 14, withPad: " ", startingAt: 0)) \(Money.text(total.total, total.currency).leftPadded(to: 12))  \(total.entries)"
                )
            }
            print(
                """
                taxable income: \(Money.text(setAside.taxable, currency)) this quarter, \(Money.text(setAside.yearToDateTaxable, currency)) this year to date
                set-aside this quarter: \(Money.text(setAside.amount, currency)) (tax on the year to date \(Money.text(setAside.yearToDateTax, currency)), \
                less \(Money.text(setAside.earlierQuartersTax, currency)) for the earlier quarters)
                what changed it (newest first):
                """)
            for change in summary.changes {
                let effect =
                    switch change.treatment {
                    case .income?: "+"
                    case .deduction?: "-"
                    case .none?, nil: " "
                    }
                print(
                    "  \(change.at)  \(effect)\(Money.text(change.amount, change.currency))  \(change.category)  \(change.eventType ?? "?") \(change.eventId)"
                )
            }
        }
    }
}
