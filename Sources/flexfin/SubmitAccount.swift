import ArgumentParser
import Domain

// `flexfin submit` for the accounts worker's commands: one each, checked
// as the worker checks them; each prints its command id.

struct SubmitAccountOpening: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "account-open", abstract: "Open a wallet (account.open).")

    @Option(help: "The new wallet's id.") var account: String
    @Option(help: "Its owner (created if new).") var user: String
    @Option(help: "ISO 4217 currency code.") var currency = "USD"
    @Option(help: "personal, portfolio, business or savings.") var purpose = "personal"
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        guard let code = Currency(currency) else { throw ValidationError("--currency \(currency) is not an ISO 4217 code") }
        guard let known = AccountPurpose(rawValue: purpose) else {
            throw ValidationError("--purpose \(purpose) is not one of \(AccountPurpose.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try publishOne(
            AccountOpening(commandId: id ?? newCommandId(), accountId: account, userId: user, currency: code, purpose: known), topologyFile)
    }
}

struct SubmitDeposit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deposit", abstract: "Money in from a payment gateway (deposit).")

    @OptionGroup var move: GatewayMoveOptions
    @Option(help: "The gateway's id of the payment: credits once, for ever.") var externalId: String

    func run() throws {
        try publishOne(
            Deposit(
                commandId: move.commandId, account: move.account, amount: try move.money(), gateway: move.gateway, externalId: externalId),
            move.topologyFile)
    }
}

struct SubmitWithdrawal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdrawal", abstract: "Money out through a gateway, first phase (withdrawal); its id is the withdrawal's.")

    @OptionGroup var move: GatewayMoveOptions
    @Option(help: "Where the gateway pays out (a bank account's reference).") var destination: String

    func run() throws {
        try publishOne(
            Withdrawal(
                commandId: move.commandId, account: move.account, amount: try move.money(), gateway: move.gateway, destination: destination),
            move.topologyFile)
    }
}

struct SubmitWithdrawalSettlement: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdrawal-settle", abstract: "A pending withdrawal was paid out (withdrawal.settle).")

    @Option(help: "The withdrawal (its command id).") var withdrawal: String
    @Option(help: "The gateway's reference of the payout.") var externalId: String
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        try publishOne(
            WithdrawalOutcome(commandId: id ?? newCommandId(), withdrawalId: withdrawal, decision: .settle(externalId: externalId)),
            topologyFile)
    }
}

struct SubmitWithdrawalFailure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdrawal-fail", abstract: "A pending withdrawal was not paid out: its money goes back (withdrawal.fail).")

    @Option(help: "The withdrawal (its command id).") var withdrawal: String
    @Option(help: "Why, as the gateway said it.") var reason: String
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    func run() throws {
        try publishOne(
            WithdrawalOutcome(commandId: id ?? newCommandId(), withdrawalId: withdrawal, decision: .fail(reason: reason)), topologyFile)
    }
}

/// What a deposit and a withdrawal both name: a wallet, an amount, a gateway.
struct GatewayMoveOptions: ParsableArguments {
    @Option(help: "The wallet credited (deposit) or debited (withdrawal).") var account: String
    @Option(help: "Amount as a decimal, e.g. 12.34 (read as text, never floating point).") var amount: String
    @Option(help: "ISO 4217 currency code.") var currency = "USD"
    @Option(help: "The gateway (a-z, 0-9, _ and -).") var gateway: String
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption

    var commandId: String { id ?? newCommandId() }
    func money() throws -> Money { try parseAmount(amount, currency) }
}

/// The three operator commands: an account, a reason, and who does it.
struct AccountStatusOptions: ParsableArguments {
    @Option(help: "The wallet.") var account: String
    @Option(help: "Why (kept on the event and in the audit log).") var reason: String
    @Option(help: "Command id (idempotency key); a new UUID when absent.") var id: String?
    @OptionGroup var topologyFile: TopologyFileOption
    @OptionGroup var actor: ActorOption

    func publish(_ type: CommandType) throws {
        try publishOne(
            AccountStatusChange(commandId: id ?? newCommandId(), type: type, account: account, reason: reason), topologyFile,
            actor: actor.name)
    }
}

struct SubmitAccountFreeze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account-freeze", abstract: "Freeze a wallet: it pays nothing out, still receives (account.freeze).")
    @OptionGroup var options: AccountStatusOptions
    func run() throws { try options.publish(.accountFreeze) }
}

struct SubmitAccountUnfreeze: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "account-unfreeze", abstract: "Unfreeze a wallet (account.unfreeze).")
    @OptionGroup var options: AccountStatusOptions
    func run() throws { try options.publish(.accountUnfreeze) }
}

struct SubmitAccountClose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account-close", abstract: "Close an empty wallet for good (account.close).")
    @OptionGroup var options: AccountStatusOptions
    func run() throws { try options.publish(.accountClose) }
}
