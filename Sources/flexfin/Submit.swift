import ArgumentParser
import Domain
import Foundation
import Settings
import Submission
import Topology

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish commands: one of any type, or a JSON-lines file of any mix.",
        discussion: """
            With --file every line is checked first; if any is refused, nothing is published (exit 1) \
            unless --skip-invalid publishes the others. A command is accepted once the broker confirmed it.
            """,
        subcommands: [
            SubmitFile.self, SubmitPayment.self, SubmitProjectCreation.self, SubmitMilestoneFunding.self, SubmitMilestoneCompletion.self,
            SubmitMilestoneCancellation.self, SubmitDebtOpening.self, SubmitRepayment.self, SubmitRiskRecalculation.self,
            SubmitAccountOpening.self, SubmitDeposit.self, SubmitWithdrawal.self, SubmitWithdrawalSettlement.self,
            SubmitWithdrawalFailure.self, SubmitAccountFreeze.self, SubmitAccountUnfreeze.self, SubmitAccountClose.self,
        ], defaultSubcommand: SubmitFile.self)
}

struct SubmitFile: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "file", abstract: "Publish a JSON-lines file of commands.")

    @Option(name: .customLong("file"), help: "The JSON-lines file (- for standard input).") var path: String
    @Flag(help: "Publish the valid lines even when some are refused.") var skipInvalid = false
    @OptionGroup var topologyFile: TopologyFileOption
    @OptionGroup var actor: ActorOption

    func run() throws {
        let contents: Data
        do {
            contents = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot read \(path): \(error.localizedDescription)")
        }
        let file = CommandFile(contents: contents)
        for refusal in file.refusals.prefix(20) { printError("refused \(refusal)") }
        if file.refusals.count > 20 { printError("… and \(file.refusals.count - 20) more refused lines") }
        if !file.refusals.isEmpty && !skipInvalid {
            printError(
                "nothing published: \(file.refusals.count) line(s) refused, \(file.commands.count) valid; fix them or pass --skip-invalid")
            throw ExitCode.failure
        }
        let producer = try CommandProducer(settings: ServiceSettings.fromEnvironment(), topology: topologyFile.spec())
        let total = file.commands.count
        try producer.publish(file.commands, actor: actor.name) { done in
            printError(
                "\r[\(String(repeating: "#", count: done * 30 / max(total, 1)).padding(toLength: 30, withPad: " ", startingAt: 0))] \(done)/\(total) confirmed",
                terminator: "")
        }
        if total > 0 { printError("") }
        print("accepted \(total), refused \(file.refusals.count)")
    }
}

struct SubmitPayment: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "payment", abstract: "Publish one payment; prints its command id.")

    @Option(help: "Paying wallet.") var from: String
    @Option(help: "Receiving wallet.") var to: String
    @Option(help: "Amount as a decimal, e.g. 12.34 (never floating point: read as text).") var amount: String
    @Option(help: "ISO 4217 currency code.") var currency = "USD"
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @Option(help: "transfer, invoice, tip, refund, payout, fee or escrow_fund (with --reference <milestone>).") var kind = "transfer"
    @Option(help: "Free text.") var memo: String?
    @Option(help: "escrow_fund: the milestone funded.") var reference: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        let command = PaymentCommand(
            commandId: id ?? newCommandId(), payer: from, payee: to,
            amount: try parseAmount(amount, currency), kind: kind, memo: memo, reference: reference)
        try publishOne(command, topologyFile)
    }
}

struct SubmitMilestoneCompletion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "milestone-complete",
        abstract: "Complete a funded milestone (releases its escrow); prints its command id.")

    @Option(help: "The project.") var project: String
    @Option(help: "The milestone.") var milestone: String
    @Option(help: "The user completing it: the project's client.") var by: String
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        try publishOne(
            MilestoneCompletion(commandId: id ?? newCommandId(), projectId: project, milestoneId: milestone, completedBy: by),
            topologyFile)
    }
}

struct SubmitRepayment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repayment", abstract: "Repay a debt from a wallet; prints its command id.")

    @Option(help: "The debt.") var debt: String
    @Option(help: "The paying wallet: the borrower's.") var wallet: String
    @Option(help: "Amount as a decimal, e.g. 12.34 (read as text, never floating point).") var amount: String
    @Option(help: "ISO 4217 currency code.") var currency = "USD"
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        try publishOne(
            DebtRepayment(
                commandId: id ?? newCommandId(), debtId: debt, wallet: wallet,
                amount: try parseAmount(amount, currency), acceptedOn: CalendarDay(Date())), topologyFile)
    }
}

struct SubmitRiskRecalculation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk-recalculate", abstract: "Recalculate a user's risk score now; prints its command id.")

    @Option(help: "The user.") var user: String
    @Option(help: "Why (kept with the score).") var reason = "requested"
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        try publishOne(RiskRecalculation(commandId: id ?? newCommandId(), userId: user, reason: reason), topologyFile)
    }
}

func newCommandId() -> String { RandomUUID.lowercased() }

func parseAmount(_ amount: String, _ currency: String) throws -> Money {
    guard let code = Currency(currency) else { throw ValidationError("--currency \(currency) is not an ISO 4217 code") }
    guard let money = Money.parse(amount, currency: code), money.minorUnits > 0 else {
        throw ValidationError("--amount \(amount) is not a positive amount with at most \(code.exponent) decimals for \(code)")
    }
    return money
}

/// Checks the command exactly as its worker will, publishes it with a
/// confirm and prints its id. The actor is who runs the CLI.
func publishOne(_ command: some DomainCommand, _ topologyFile: TopologyFileOption, actor: String = ActorOption.fallback) throws {
    let submitted = SubmittedCommand(command)
    do { _ = try SubmittedCommand(body: submitted.body) } catch { throw ValidationError("\(error)") }
    try CommandProducer(settings: ServiceSettings.fromEnvironment(), topology: topologyFile.spec()).publish([submitted], actor: actor)
    print(command.commandId)
}

func printError(_ text: String, terminator: String = "\n") {
    FileHandle.standardError.write(Data((text + terminator).utf8))
}

struct SubmitDebtOpening: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debt-open", abstract: "Open a debt to a lender, disbursed into the wallet or not (debt.open); prints its command id.")

    @Option(help: "The new debt's id.") var debt: String
    @Option(help: "The borrower.") var borrower: String
    @Option(help: "The borrower's wallet: disbursed into, repaid from.") var account: String
    @Option(help: "The lender's name (its account is lender.<name>.<currency>).") var lender: String
    @Option(help: "Principal as a decimal, e.g. 5000.00 (read as text, never floating point).") var principal: String
    @Option(help: "ISO 4217 currency code.") var currency = "USD"
    @Option(help: "Yearly interest in basis points (1200 = 12 %).") var rateBps: Int64
    @Option(help: "Monthly payment as a decimal.") var monthlyPayment: String
    @Option(help: "Day of the month payments are due (1 to 31).") var dueDay: Int
    @Option(help: "Interest accrues from this day (YYYY-MM-DD); default: the day the broker accepts the command.") var start: String?
    @Flag(help: "A business debt: its interest is deductible.") var business = false
    @Flag(help: "Pay the principal from the lender's account into the wallet.") var disburse = false
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        var startDate: CalendarDay?
        if let start {
            guard let day = CalendarDay(iso: start) else { throw ValidationError("--start \(start) is not a date (YYYY-MM-DD)") }
            startDate = day
        }
        try publishOne(
            DebtOpening(
                commandId: id ?? newCommandId(), debtId: debt, borrower: borrower, account: account, lender: lender,
                principal: try parseAmount(principal, currency), annualRateBasisPoints: rateBps,
                monthlyPayment: try parseAmount(monthlyPayment, currency).minorUnits, dueDay: dueDay, business: business,
                startDate: startDate, disburse: disburse, acceptedOn: CalendarDay(Date())), topologyFile)
    }
}
