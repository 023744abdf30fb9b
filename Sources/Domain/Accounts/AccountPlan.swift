/// Business rejections of the accounts worker's commands.
public enum AccountRejection: String, Sendable, CaseIterable {
    case accountExists = "account_exists"
    case unknownWallet = "unknown_wallet"
    case walletClosed = "wallet_closed"
    case accountFrozen = "account_frozen"
    case currencyMismatch = "currency_mismatch"
    case insufficientFunds = "insufficient_funds"
    case balanceOverflow = "balance_overflow"
    case duplicateExternalId = "duplicate_external_id"
    case unknownWithdrawal = "unknown_withdrawal"
    case withdrawalNotPending = "withdrawal_not_pending"
    case balanceNotZero = "balance_not_zero"
    case withdrawalsPending = "withdrawals_pending"
}

public enum WithdrawalStatus: String, Sendable {
    case pending, settled, failed
}

/// A withdrawal as stored, read (and locked) with the batch.
public struct WithdrawalState: Sendable, Equatable {
    public let id: String
    public let account: String
    public let amount: Money
    public let gateway: String
    public let destination: String
    public var status: WithdrawalStatus

    public init(id: String, account: String, amount: Money, gateway: String, destination: String, status: WithdrawalStatus) {
        (self.id, self.account, self.amount, self.gateway, self.destination, self.status) = (
            id, account, amount, gateway, destination, status
        )
    }
}

/// One money movement the plan makes (the handler posts it as a transfer).
public struct AccountPosting: Sendable, Equatable {
    public let commandId: String
    public let kind: String
    public let debit: String
    public let credit: String
    public let amount: Money
    public let memo: String?
    public let reference: String?
}

public enum AccountOutcome: Sendable, Equatable {
    /// Applied; nil when it changed nothing (an account opened again by its
    /// owner in its currency, a frozen account frozen again).
    case applied(AccountCommand, EventPayload?)
    case rejected(AccountCommand, AccountRejection, EventPayload)

    public var command: AccountCommand {
        switch self {
        case .applied(let c, _), .rejected(let c, _, _): c
        }
    }

    public var event: EventPayload? {
        switch self {
        case .applied(_, let event): event
        case .rejected(_, _, let event): event
        }
    }

    public var rejection: AccountRejection? {
        if case .rejected(_, let reason, _) = self { reason } else { nil }
    }
}

/// Decides a batch of the accounts worker's commands in order, as if
/// applied one by one, against the state read and locked with the batch:
/// what each command does to balances, statuses and withdrawals.
public struct AccountPlan: Sendable {
    public private(set) var outcomes: [AccountOutcome] = []
    public private(set) var postings: [AccountPosting] = []
    /// Net change per account; accounts with none are absent.
    public private(set) var balanceChanges: [String: Int64] = [:]
    /// The status each account ends the batch in, for those it changed.
    public private(set) var statuses: [String: AccountStatus] = [:]
    /// Every status change applied, in order: the account's history.
    public private(set) var statusChanges: [AccountStatusChange] = []
    /// Withdrawals requested in this batch (pending).
    public private(set) var requested: [Withdrawal] = []
    /// Withdrawals this batch settled or failed, by id, with the command.
    public private(set) var decided: [(withdrawal: WithdrawalState, outcome: WithdrawalOutcome)] = []
    /// Deposits refused after they claimed their external id: the claim is given back.
    public private(set) var refusedDeposits: [String] = []

    private var accounts: [String: AccountState]
    private var notYetOpened: Set<String>
    private var withdrawals: [String: WithdrawalState]
    private let claims: Set<String>

    /// - accounts: every account the commands name, locked, including those
    ///   this batch's `account.open` commands inserted (`openedHere`), which
    ///   exist for the commands after their opening only.
    /// - withdrawals: those the batch settles or fails, and every pending
    ///   one of an account it closes.
    /// - claims: the deposits whose `(gateway, external_id)` this batch
    ///   claimed; any other deposit's was taken before.
    public init(
        commands: [AccountCommand], accounts: [String: AccountState], openedHere: Set<String>,
        withdrawals: [String: WithdrawalState], claims: Set<String>
    ) {
        (self.accounts, self.notYetOpened, self.withdrawals, self.claims) = (accounts, openedHere, withdrawals, claims)
        for command in commands {
            let outcome: AccountOutcome
            switch command {
            case .open(let c): outcome = open(c)
            case .deposit(let c): outcome = deposit(c)
            case .withdrawal(let c): outcome = withdraw(c)
            case .withdrawalOutcome(let c): outcome = decide(c)
            case .statusChange(let c): outcome = change(c)
            }
            if case .rejected(.deposit(let d), _, _) = outcome, claims.contains(d.commandId) { refusedDeposits.append(d.commandId) }
            outcomes.append(outcome)
        }
        balanceChanges = balanceChanges.filter { $0.value != 0 }
    }

    /// An account the commands so far can see.
    private func wallet(_ id: String) -> AccountState? {
        guard !notYetOpened.contains(id), let account = accounts[id], account.isWallet else { return nil }
        return account
    }

    private mutating func move(
        _ command: String, _ kind: String, _ from: String, _ to: String, _ amount: Money, memo: String? = nil, reference: String? = nil
    ) {
        postings.append(
            AccountPosting(commandId: command, kind: kind, debit: from, credit: to, amount: amount, memo: memo, reference: reference))
        for (id, delta) in [(from, -amount.minorUnits), (to, amount.minorUnits)] {
            balanceChanges[id, default: 0] += delta
            if let account = accounts[id] { accounts[id] = account.with(balance: account.balance + delta) }
        }
    }

    private mutating func open(_ c: AccountOpening) -> AccountOutcome {
        let command = AccountCommand.open(c)
        if notYetOpened.remove(c.accountId) != nil {
            return .applied(
                command, .accountOpened(AccountOpened(account: c.accountId, userId: c.userId, currency: c.currency, purpose: c.purpose)))
        }
        if let account = accounts[c.accountId], account.isWallet, account.userId == c.userId, account.currency == c.currency.code {
            return .applied(command, nil)
        }
        let holder = accounts[c.accountId].map { $0.isWallet ? "a \($0.currency) wallet of another owner or currency" : "a system account" }
        return reject(
            command, .accountExists, "account id \(c.accountId) is taken by \(holder ?? "another account")", account: c.accountId,
            user: c.userId)
    }

    private mutating func deposit(_ d: Deposit) -> AccountOutcome {
        let command = AccountCommand.deposit(d)
        func refuse(_ reason: AccountRejection, _ detail: String) -> AccountOutcome {
            reject(command, reason, detail, account: d.account, user: wallet(d.account)?.userId, amount: d.amount)
        }
        guard claims.contains(d.commandId) else {
            return refuse(.duplicateExternalId, "gateway \(d.gateway) payment \(d.externalId) was credited by another deposit")
        }
        guard let account = wallet(d.account) else { return refuse(.unknownWallet, "no wallet \(d.account)") }
        guard account.status.receives else { return refuse(.walletClosed, "wallet \(d.account) is closed") }
        guard account.currency == d.amount.currency.code else {
            return refuse(.currencyMismatch, "wallet \(d.account) holds \(account.currency), the deposit is in \(d.amount.currency)")
        }
        guard !account.balance.addingReportingOverflow(d.amount.minorUnits).overflow else {
            return refuse(.balanceOverflow, "wallet \(d.account) cannot hold that much")
        }
        move(d.commandId, "deposit", SystemAccount.gateway(d.gateway, d.amount.currency.code), d.account, d.amount, reference: d.externalId)
        return .applied(command, .depositCompleted(DepositCompleted(d, userId: account.userId!, purpose: account.purpose ?? .personal)))
    }

    private mutating func withdraw(_ w: Withdrawal) -> AccountOutcome {
        let command = AccountCommand.withdrawal(w)
        func refuse(_ reason: AccountRejection, _ detail: String) -> AccountOutcome {
            reject(command, reason, detail, account: w.account, user: wallet(w.account)?.userId, amount: w.amount)
        }
        if let (refusal, detail) = WalletDebitRefusal.check(wallet(w.account), id: w.account, pays: w.amount, for: "the withdrawal") {
            return refuse(AccountRejection(rawValue: refusal.rawValue)!, detail)
        }
        let account = wallet(w.account)!
        move(w.commandId, "withdrawal", w.account, SystemAccount.payout(w.gateway, w.amount.currency.code), w.amount, memo: w.destination)
        withdrawals[w.commandId] = WithdrawalState(
            id: w.commandId, account: w.account, amount: w.amount, gateway: w.gateway, destination: w.destination, status: .pending)
        requested.append(w)
        return .applied(
            command,
            .withdrawalRequested(
                WithdrawalFacts(
                    withdrawalId: w.commandId, account: w.account, userId: account.userId!, amount: w.amount, gateway: w.gateway,
                    destination: w.destination)))
    }

    private mutating func decide(_ o: WithdrawalOutcome) -> AccountOutcome {
        let command = AccountCommand.withdrawalOutcome(o)
        guard var withdrawal = withdrawals[o.withdrawalId] else {
            return reject(command, .unknownWithdrawal, "no withdrawal \(o.withdrawalId)")
        }
        let owner = accounts[withdrawal.account]?.userId
        guard withdrawal.status == .pending else {
            return reject(
                command, .withdrawalNotPending, "withdrawal \(o.withdrawalId) is already \(withdrawal.status.rawValue)",
                account: withdrawal.account, user: owner, amount: withdrawal.amount)
        }
        let currency = withdrawal.amount.currency.code
        let payout = SystemAccount.payout(withdrawal.gateway, currency)
        let event: EventPayload
        let facts = { (externalId: String?, reason: String?) in
            WithdrawalFacts(
                withdrawalId: withdrawal.id, account: withdrawal.account, userId: owner ?? "", amount: withdrawal.amount,
                gateway: withdrawal.gateway, destination: withdrawal.destination, externalId: externalId, reason: reason)
        }
        switch o.decision {
        case .settle(let externalId):
            // Final: the money is the gateway's to pay out.
            move(
                o.commandId, "withdrawal_settlement", payout, SystemAccount.gateway(withdrawal.gateway, currency), withdrawal.amount,
                memo: externalId, reference: withdrawal.id)
            withdrawal.status = .settled
            event = .withdrawalSettled(facts(externalId, nil))
        case .fail(let reason):
            // Back where it came from, frozen or not: closing waits for every pending withdrawal.
            move(o.commandId, "withdrawal_return", payout, withdrawal.account, withdrawal.amount, memo: reason, reference: withdrawal.id)
            withdrawal.status = .failed
            event = .withdrawalFailed(facts(nil, reason))
        }
        withdrawals[withdrawal.id] = withdrawal
        decided.append((withdrawal, o))
        return .applied(command, event)
    }

    private mutating func change(_ c: AccountStatusChange) -> AccountOutcome {
        let command = AccountCommand.statusChange(c)
        guard let account = wallet(c.account) else { return reject(command, .unknownWallet, "no wallet \(c.account)", account: c.account) }
        func refuse(_ reason: AccountRejection, _ detail: String) -> AccountOutcome {
            reject(command, reason, detail, account: c.account, user: account.userId)
        }
        guard account.status != .closed else { return refuse(.walletClosed, "wallet \(c.account) is closed, for good") }
        guard account.status != c.target else { return .applied(command, nil) }
        if c.target == .closed {
            guard account.balance == 0 else {
                let held = Currency(account.currency).map { $0.text(account.balance) } ?? "\(account.balance)"
                return refuse(.balanceNotZero, "wallet \(c.account) holds \(held); only an empty wallet can be closed")
            }
            let pending = withdrawals.values.filter { $0.account == c.account && $0.status == .pending }.map(\.id).sorted()
            guard pending.isEmpty else {
                return refuse(.withdrawalsPending, "wallet \(c.account) waits on withdrawals \(pending.joined(separator: ", "))")
            }
        }
        accounts[c.account] = account.with(status: c.target)
        statuses[c.account] = c.target
        statusChanges.append(c)
        let changed = AccountStatusChanged(
            account: c.account, userId: account.userId!, status: c.target, reason: c.reason, actor: c.actor ?? "unknown")
        switch c.target {
        case .frozen: return .applied(command, .accountFrozen(changed))
        case .open: return .applied(command, .accountUnfrozen(changed))
        case .closed: return .applied(command, .accountClosed(changed))
        }
    }

    private func reject(
        _ command: AccountCommand, _ reason: AccountRejection, _ detail: String, account: String? = nil, user: String? = nil,
        amount: Money? = nil
    ) -> AccountOutcome {
        let data = AccountCommandRejected(
            commandType: command.type, account: account, userId: user, amount: amount, reason: reason.rawValue, detail: detail)
        switch command {
        case .open, .statusChange: return .rejected(command, reason, .accountRejected(data))
        case .deposit: return .rejected(command, reason, .depositRejected(data))
        case .withdrawal, .withdrawalOutcome: return .rejected(command, reason, .withdrawalRejected(data))
        }
    }
}

extension AccountState {
    func with(balance: Int64) -> AccountState {
        AccountState(id: id, userId: userId, isWallet: isWallet, currency: currency, balance: balance, status: status, purpose: purpose)
    }

    func with(status: AccountStatus) -> AccountState {
        AccountState(id: id, userId: userId, isWallet: isWallet, currency: currency, balance: balance, status: status, purpose: purpose)
    }
}
