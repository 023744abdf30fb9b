import Foundation

/// What a payment needs to know of an account, read (and locked) in the
/// batch's transaction.
public struct AccountState: Sendable, Equatable {
    public let id: String
    public let userId: String?
    public let isWallet: Bool
    public let currency: String
    public let balance: Int64
    public let status: AccountStatus
    /// A wallet's, when its owner gave one (wallets seeded before purposes have none).
    public let purpose: AccountPurpose?

    public init(
        id: String, userId: String?, isWallet: Bool, currency: String, balance: Int64, status: AccountStatus,
        purpose: AccountPurpose? = nil
    ) {
        self.id = id
        self.userId = userId
        self.isWallet = isWallet
        self.currency = currency
        self.balance = balance
        self.status = status
        self.purpose = purpose
    }
}

/// Business rejections: normal outcomes with an event and a status.
public enum PaymentRejection: String, Sendable, CaseIterable {
    case insufficientFunds = "insufficient_funds"
    case currencyMismatch = "currency_mismatch"
    case unknownWallet = "unknown_wallet"
    case walletClosed = "wallet_closed"
    case accountFrozen = "account_frozen"
    case sameWallet = "same_wallet"
    case balanceOverflow = "balance_overflow"
    // Escrow funding (`escrow_fund`):
    case unknownMilestone = "unknown_milestone"
    case notEscrowOfMilestone = "not_escrow_of_milestone"
    case milestoneNotPending = "milestone_not_pending"
    case notProjectClient = "not_project_client"
    case escrowOverfunded = "escrow_overfunded"
}

/// The milestone an `escrow_fund` payment names, read (and locked) with the batch.
public struct EscrowTarget: Sendable, Equatable {
    public let milestoneId: String
    public let escrowAccount: String
    /// The project's client: the only user who may fund it.
    public let client: String
    public let amount: Int64
    public let status: MilestoneStatus

    public init(milestoneId: String, escrowAccount: String, client: String, amount: Int64, status: MilestoneStatus) {
        (self.milestoneId, self.escrowAccount, self.client, self.amount, self.status) = (milestoneId, escrowAccount, client, amount, status)
    }
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
    /// Milestones whose escrow this batch filled: now `funded`.
    public private(set) var fundedMilestones: [String] = []

    /// The payments this plan applies, in order.
    public var completed: [PaymentCommand] {
        outcomes.compactMap { $0.rejection == nil ? $0.command : nil }
    }

    /// `escrows`: the milestones `escrow_fund` payments name, by id.
    public init(commands: [PaymentCommand], accounts: [String: AccountState], escrows: [String: EscrowTarget] = [:]) {
        var balances = accounts.mapValues(\.balance)
        var escrows = escrows
        for command in commands {
            let outcome = Self.decide(command, accounts, balances, escrows)
            if case .completed = outcome {
                let amount = command.amount.minorUnits
                balances[command.payer]! -= amount
                balances[command.payee]! += amount
                balanceChanges[command.payer, default: 0] -= amount
                balanceChanges[command.payee, default: 0] += amount
                if let milestone = command.escrowMilestone, let target = escrows[milestone], balances[command.payee] == target.amount {
                    escrows[milestone] = EscrowTarget(
                        milestoneId: milestone, escrowAccount: target.escrowAccount, client: target.client,
                        amount: target.amount, status: .funded)
                    fundedMilestones.append(milestone)
                }
            }
            outcomes.append(outcome)
        }
        balanceChanges = balanceChanges.filter { $0.value != 0 }
    }

    private static func decide(
        _ command: PaymentCommand, _ accounts: [String: AccountState],
        _ balances: [String: Int64], _ escrows: [String: EscrowTarget]
    ) -> PaymentOutcome {
        func reject(_ reason: PaymentRejection, _ detail: String) -> PaymentOutcome { .rejected(command, reason, detail: detail) }
        guard command.payer != command.payee else { return reject(.sameWallet, "payer and payee are both \(command.payer)") }
        var escrow: EscrowTarget?
        if let milestone = command.escrowMilestone {
            guard let target = escrows[milestone] else { return reject(.unknownMilestone, "no milestone \(milestone)") }
            guard command.payee == target.escrowAccount else {
                return reject(.notEscrowOfMilestone, "milestone \(milestone) is funded into \(target.escrowAccount), not \(command.payee)")
            }
            escrow = target
        }
        // The payee of an escrow funding is the milestone's escrow account; of any other payment, a wallet.
        for (id, mustBeWallet) in [(command.payer, true), (command.payee, escrow == nil)] {
            guard let account = accounts[id], account.isWallet == mustBeWallet else {
                return reject(.unknownWallet, "no \(mustBeWallet ? "wallet" : "escrow account") \(id)")
            }
            guard account.status.receives else { return reject(.walletClosed, "account \(id) is closed") }
            guard account.status.paysOut || id != command.payer else {
                return reject(.accountFrozen, "wallet \(id) is frozen: it pays nothing out until an operator unfreezes it")
            }
            guard account.currency == command.amount.currency.code else {
                return reject(.currencyMismatch, "account \(id) holds \(account.currency), the payment is in \(command.amount.currency)")
            }
        }
        if let escrow,
            let (refusal, detail) = EscrowFundingRefusal.check(
                milestone: escrow.milestoneId, status: escrow.status, client: escrow.client, payerOwner: accounts[command.payer]?.userId,
                payer: command.payer, escrow: balances[command.payee]!, milestoneAmount: escrow.amount, amount: command.amount)
        {
            switch refusal {
            case .notPending: return reject(.milestoneNotPending, detail)
            case .notClient: return reject(.notProjectClient, detail)
            case .overfunded: return reject(.escrowOverfunded, detail)
            }
        }
        let amount = command.amount.minorUnits
        let available = balances[command.payer]!
        guard available >= amount else {
            return reject(
                .insufficientFunds,
                "wallet \(command.payer) holds \(command.amount.currency.text(available)), the payment needs \(command.amount.text)")
        }
        guard !balances[command.payee]!.addingReportingOverflow(amount).overflow else {
            return reject(.balanceOverflow, "account \(command.payee) cannot hold that much")
        }
        return .completed(command)
    }
}

extension PaymentCommand {
    /// The milestone an `escrow_fund` payment funds.
    public var escrowMilestone: String? { kind == Self.escrowFund ? reference : nil }
}

extension PaymentOutcome {
    /// `payment.completed` to payer and payee, or `payment.rejected` to the
    /// payer only. `users` maps account ids to their owners.
    public func event(at time: Date, users: [String: String]) -> DomainEvent {
        let facts = PaymentFacts(command, users: users)
        switch self {
        case .completed:
            return DomainEvent(.paymentCompleted(facts), occurredAt: time, commandId: command.commandId)
        case .rejected(_, let reason, let detail):
            return DomainEvent(
                .paymentRejected(PaymentRejected(payment: facts, reason: reason.rawValue, detail: detail)),
                occurredAt: time, commandId: command.commandId)
        }
    }
}
