import Domain
import Foundation
import Ledger
import PostgresClient
import RedisClient
import WorkerRuntime

/// Applies the accounts worker's commands: wallets opened, money in from
/// gateways (`deposit`), money out in two phases (`withdrawal`, then
/// `withdrawal.settle` or `withdrawal.fail`), and operators' freezes and
/// closures. A batch reads and locks what its commands name, decides them
/// in order (`AccountPlan`), and writes set-based.
public struct AccountHandler: CommandHandler {
    public let consumer = Consumer.accounts
    public let queue = "commands.account"

    public init() {}

    /// An operator's command carries who sent it in a header
    /// (`MessageHeader.actor`), set by the API (the key's name) and the CLI.
    public func command(from message: InboundMessage) throws(InvalidMessage) -> AccountCommand {
        let command = try AccountCommand(body: message.body)
        guard case .statusChange(var change) = command else { return command }
        if case .text(let actor)? = message.headers[MessageHeader.actor] { change.actor = actor }
        return .statusChange(change)
    }

    public func apply(_ commands: [AccountCommand], in database: PostgresConnection) throws -> BatchEffects {
        var openings: [AccountOpening] = []
        var deposits: [Deposit] = []
        var withdrawalIds = Set<String>()
        var closing = Set<String>()
        var named = Set<String>()
        var gatewayAccounts: [(id: String, kind: String, currency: String)] = []
        for command in commands {
            switch command {
            case .open(let o):
                openings.append(o)
                named.insert(o.accountId)
            case .deposit(let d):
                deposits.append(d)
                named.insert(d.account)
                gatewayAccounts.append((SystemAccount.gateway(d.gateway, d.amount.currency.code), "gateway", d.amount.currency.code))
            case .withdrawal(let w):
                named.insert(w.account)
                gatewayAccounts.append((SystemAccount.payout(w.gateway, w.amount.currency.code), "payout", w.amount.currency.code))
            case .withdrawalOutcome(let o):
                withdrawalIds.insert(o.withdrawalId)
            case .statusChange(let c):
                named.insert(c.account)
                if c.target == .closed { closing.insert(c.account) }
            }
        }
        let openedHere = try AccountStore.insertOpenings(openings, in: database)
        let claims = try AccountStore.claimDeposits(deposits, in: database)
        let withdrawals = try AccountStore.lockWithdrawals(withdrawalIds, pendingOf: closing, in: database)
        for withdrawal in withdrawals.values {
            let currency = withdrawal.amount.currency.code
            named.insert(withdrawal.account)
            gatewayAccounts.append((SystemAccount.payout(withdrawal.gateway, currency), "payout", currency))
            gatewayAccounts.append((SystemAccount.gateway(withdrawal.gateway, currency), "gateway", currency))
        }
        try AccountStore.createGatewayAccounts(gatewayAccounts, in: database)
        let accounts = try LedgerStore.lockAccounts(named.union(gatewayAccounts.map(\.id)), in: database)

        let plan = AccountPlan(commands: commands, accounts: accounts, openedHere: openedHere, withdrawals: withdrawals, claims: claims)
        try LedgerStore.post(
            plan.postings.map {
                TransferPosting(
                    commandId: $0.commandId, kind: $0.kind, debitAccount: $0.debit, creditAccount: $0.credit,
                    amount: $0.amount.minorUnits, currency: $0.amount.currency.code, memo: $0.memo, reference: $0.reference)
            }, in: database)
        let balances = try LedgerStore.applyBalanceChanges(plan.balanceChanges, in: database)
        try AccountStore.record(plan, in: database)

        let now = Date()
        var effects = BatchEffects(
            events: plan.outcomes.compactMap { outcome in
                outcome.event.map { DomainEvent($0, occurredAt: now, commandId: outcome.command.commandId) }
            })
        for case .rejected(let command, let reason, _) in plan.outcomes {
            effects.rejections[command.commandId] = reason.rawValue
        }
        effects.cache = WalletCache.writes(balances) + (try WalletCache.current(Set(plan.statuses.keys), in: database))
        return effects
    }

    public func repairCache(for duplicates: [AccountCommand], in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(Set(duplicates.flatMap(\.accountsNamed)), in: database)
    }

    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(nil, in: database)
    }
}

extension AccountCommand {
    /// The wallets a command names directly (a settle or fail names its withdrawal).
    var accountsNamed: [String] {
        switch self {
        case .open(let o): [o.accountId]
        case .deposit(let d): [d.account]
        case .withdrawal(let w): [w.account]
        case .withdrawalOutcome: []
        case .statusChange(let c): [c.account]
        }
    }
}
