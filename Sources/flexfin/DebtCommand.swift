import ArgumentParser
import Domain
import Foundation
import PostgresClient
import Repayments
import Settings

struct DebtCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debt", abstract: "Debts: list, terms and payoff, amortization schedule.",
        subcommands: [List.self, Show.self, Schedule.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Debts, by borrower and status.")
        @Option(help: "Only this borrower's.") var user: String?
        @Option(help: "active or paid_off.") var status: String?
        @Flag(help: "Print JSON lines.") var json = false

        func run() throws {
            var wanted: Debt.Status?
            if let status {
                guard let parsed = Debt.Status(rawValue: status) else {
                    throw ValidationError("--status must be active or paid_off, not \(status)")
                }
                wanted = parsed
            }
            let today = CalendarDay(Date())
            for debt in try DebtStore.find(nil, borrower: user, status: wanted, in: ServiceSettings.fromEnvironment().connectDatabase()) {
                if json {
                    print(debt.json(today: today).serialized)
                } else {
                    print(
                        "\(debt.id): \(debt.borrower), \(debt.status.rawValue), outstanding \(debt.currency.text(debt.principal)), payoff today \(debt.currency.text(debt.payoff(on: today)))"
                    )
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A debt's terms, outstanding principal, interest accrued to today and payoff.")
        @Argument(help: "The debt id.") var debtId: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            let debt = try DebtCommand.find(debtId)
            let today = CalendarDay(Date())
            if json { return print(debt.json(today: today).serialized) }
            print(
                """
                debt \(debt.id): \(debt.status.rawValue), borrower \(debt.borrower), lender \(debt.lenderAccount)\(debt.business ? ", business" : "")
                  terms: \(debt.annualRateBasisPoints) bps a year (actual/365, half-even), \(debt.currency.text(debt.monthlyPayment)) a month due on day \(debt.dueDay)
                  outstanding principal \(debt.currency.text(debt.principal)); interest accrued to \(today) \(debt.currency.text(debt.interest(on: today))); payoff \(debt.currency.text(debt.payoff(on: today)))
                """)
        }
    }

    struct Schedule: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The amortization schedule from today at the monthly payment; the last line pays it off exactly.")
        @Argument(help: "The debt id.") var debtId: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            let debt = try DebtCommand.find(debtId)
            let schedule: AmortizationSchedule
            do { schedule = try AmortizationSchedule(debt, from: CalendarDay(Date())) } catch {
                printError("debt \(debtId): \(error)")
                throw ExitCode.failure
            }
            if json { return print(schedule.json(of: debt).serialized) }
            print("date              payment      interest     principal     remaining")
            for line in schedule.lines {
                let amounts = [line.payment, line.interest, line.principal, line.remaining].map {
                    debt.currency.text($0).leftPadded(to: 13)
                }
                print(([line.day.iso] + amounts).joined(separator: " "))
            }
        }
    }

    static func find(_ id: String) throws -> Debt {
        guard let debt = try DebtStore.find([id], in: ServiceSettings.fromEnvironment().connectDatabase()).first else {
            printError("no debt \(id)")
            throw ExitCode(3)
        }
        return debt
    }
}
