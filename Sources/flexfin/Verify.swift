import ArgumentParser
import Audit
import Ledger
import Settings

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "Ledger checks.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Entries sum to zero per transfer, balances equal their entries, no wallet below zero; exit 1 naming the first break."
        )

        func run() throws {
            let report = try LedgerVerification.run(on: ServiceSettings.fromEnvironment().connectDatabase())
            guard report.problems.isEmpty else {
                for problem in report.problems { print("BROKEN: \(problem)") }
                throw ExitCode.failure
            }
            print("ledger verified: \(report.transfers) transfers, \(report.entries) entries, \(report.accounts) accounts")
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Audit log checks.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the audit hash chain; exit 1 naming the first edited, removed or reordered row.")

        func run() throws {
            let report = try AuditVerification.run(on: ServiceSettings.fromEnvironment().connectDatabase())
            if let broken = report.firstBreak {
                print("BROKEN: \(broken) (\(report.rows) rows before it verified)")
                throw ExitCode.failure
            }
            print("audit log verified: \(report.rows) rows, chain intact")
        }
    }
}
