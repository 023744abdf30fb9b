/// What a payment needs to know of an account, read (and locked) in the
/// batch's transaction.
public struct AccountState: Sendable, Equatable {
    public let id: String
    public let userId: String?
    public let isWallet: Bool
    public let currency: String
    public let balance: Int64
    public let isOpen: Bool

    public init(id: String, userId: String?, isWallet: Bool, currency: String, balance: Int64, isOpen: Bool) {
        self.id = id
        self.userId = userId
        self.isWallet = isWallet
        self.currency = currency
        self.balance = balance
        self.isOpen = isOpen
    }
}

/// Business rejections: normal outcomes with an event and a status.
public enum PaymentRejection: String, Sendable {
    case insufficientFunds = "insufficient_funds"
    case currencyMismatch = "currency_mismatch"
    case unknownWallet = "unknown_wallet"
    case walletClosed = "wallet_closed"
    case sameWallet = "same_wallet"
    case balanceOverflow = "balance_overflow"
}

public enum PaymentOutcome: Sendable, Equatable {
    case completed(PaymentCommand)
    case rejected(PaymentCommand, PaymentRejection, detail: String)

    public var command: PaymentCommand {
        switch self {
        case .completed(let c), .rejected(let c, _, _): c
        }
    }

    /// The decision alone (the detail text quotes balances).
    public var rejection: PaymentRejection? {
        if case .rejected(_, let reason, _) = self { reason } else { nil }
    }
}

/// Decides a batch of payments in order against the locked accounts, as if
/// applied one by one, and sums the balance changes per account so a hot
/// wallet is written once per batch.
public struct PaymentPlan: Sendable {
    public private(set) var outcomes: [PaymentOutcome] = []
    /// Net change per account id; accounts with no net change are absent.
    public private(set) var balanceChanges: [String: Int64] = [:]

    /// The payments this plan applies, in order.
    public var completed: [PaymentCommand] {
        outcomes.compactMap { $0.rejection == nil ? $0.command : nil }
    }

    public init(commands: [PaymentCommand], accounts: [String: AccountState]) {
        var balances = accounts.mapValues(\.balance)
        for command in commands {
            let outcome = Self.decide(command, accounts, balances)
            if case .completed = outcome {
                let amount = command.amount.minorUnits
                balances[command.payer]! -= amount
                balances[command.payee]! += amount
                balanceChanges[command.payer, default: 0] -= amount
                balanceChanges[command.payee, default: 0] += amount
            }
            outcomes.append(outcome)
        }
        balanceChanges = balanceChanges.filter { $0.value != 0 }
    }

    private static func decide(_ command: PaymentCommand, _ accounts: [String: AccountState],
                               _ balances: [String: Int64]) -> PaymentOutcome {
        func reject(_ reason: PaymentRejection, _ detail: String) -> PaymentOutcome { .rejected(command, reason, detail: detail) }
        guard command.payer != command.payee else { return reject(.sameWallet, "payer and payee are both \(command.payer)") }
        for id in [command.payer, command.payee] {
            guard let account = accounts[id], account.isWallet else { return reject(.unknownWallet, "no wallet \(id)") }
            guard account.isOpen else { return reject(.walletClosed, "wallet \(id) is closed") }
            guard account.currency == command.amount.currency.code else {
                return reject(.currencyMismatch, "wallet \(id) holds \(account.currency), the payment is in \(command.amount.currency)")
            }
        }
        let amount = command.amount.minorUnits
        let available = balances[command.payer]!
        guard available >= amount else {
            return reject(.insufficientFunds, "wallet \(command.payer) holds \(available), the payment needs \(amount)")
        }
        guard !balances[command.payee]!.addingReportingOverflow(amount).overflow else {
            return reject(.balanceOverflow, "wallet \(command.payee) cannot hold that much")
        }
        return .completed(command)
    }
}
