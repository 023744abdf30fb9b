import Domain
import Foundation
import Ledger
import PostgresClient
import RedisClient
import WorkerRuntime

/// Applies `debt.open` (a debt, its lender's account on first use, and with
/// `disburse` the principal paid from that account into the wallet) and
/// `debt.repayment` (accrued interest first, then principal, as one transfer
/// from the wallet to the lender's account), or rejects each with its reason.
/// Interest accrues to the day the broker accepted the command (its AMQP
/// timestamp), so a retry or a replay splits it the same way; an opening
/// without a start date starts that day. A batch's openings are applied
/// first, so a repayment can name a debt opened in its own batch.
///
/// A lender's account is credited by every repayment to that lender: like
/// the fee account, it is added to last, held only until the commit.
public struct RepaymentHandler: CommandHandler {
    public let consumer = Consumer.repayments
    public let queue = "commands.repayment"

    public init() {}

    /// The time it was sent is part of it: interest accrues to then.
    public func command(from message: InboundMessage) throws(InvalidMessage) -> DebtCommand {
        guard let timestamp = message.sentAt else {
            throw InvalidMessage(field: nil, "the AMQP timestamp is missing: a repayment's interest accrues to the time it was accepted")
        }
        return try DebtCommand(body: message.body, acceptedAt: Date(timeIntervalSince1970: TimeInterval(timestamp)))
    }

    public func apply(_ commands: [DebtCommand], in database: PostgresConnection) throws -> BatchEffects {
        let openings = commands.compactMap { if case .open(let c) = $0 { c } else { nil } }
        let repayments = commands.compactMap { if case .repay(let c) = $0 { c } else { nil } }
        if !openings.isEmpty && !repayments.isEmpty {
            // One lock round for both parts, debts before wallets, each in id
            // order: locking the openings' wallets, then the repayments',
            // would wait on another lane while holding what it waits for.
            // The parts lock again what they use: rows this batch holds.
            _ = try DebtStore.lock(Set(repayments.map(\.debtId)), in: database)
            _ = try LedgerStore.lockAccounts(Set(openings.map(\.account) + repayments.map(\.wallet)), in: database)
        }
        var effects = try open(openings, in: database)
        effects.merge(try repay(repayments, in: database))
        return effects
    }

    private func open(_ commands: [DebtOpening], in database: PostgresConnection) throws -> BatchEffects {
        guard !commands.isEmpty else { return BatchEffects() }
        let existing = try DebtStore.existing(commands, in: database)
        // The lender's account is the hot row its repayments credit last: read, not locked.
        let accounts = try LedgerStore.lockAccounts(Set(commands.map(\.account)), in: database)
            .merging(try LedgerStore.readAccounts(Set(commands.map(\.lenderAccount)), in: database)) { $1 }
        let plan = DebtOpeningPlan(commands: commands, existingDebts: existing.debts, users: existing.users, accounts: accounts)
        try DebtStore.open(plan.opened, newLenderAccounts: plan.newLenderAccounts, in: database)
        try LedgerStore.post(
            plan.opened.filter(\.disburse).map {
                TransferPosting(
                    commandId: $0.commandId, kind: "debt_disbursement", debitAccount: $0.lenderAccount, creditAccount: $0.account,
                    amount: $0.principal.minorUnits, currency: $0.principal.currency.code, reference: $0.debtId)
            }, in: database)
        let balances = try LedgerStore.applyBalanceChanges(plan.walletChanges, in: database)
        try LedgerStore.applyBalanceChanges(plan.lenderChanges, in: database)
        let now = Date()
        var effects = BatchEffects(events: plan.outcomes.map { DomainEvent($0.event, occurredAt: now, commandId: $0.command.commandId) })
        for outcome in plan.outcomes {
            if let reason = outcome.rejection { effects.rejections[outcome.command.commandId] = reason.rawValue }
        }
        effects.cache = WalletCache.writes(balances)
        return effects
    }

    private func repay(_ commands: [DebtRepayment], in database: PostgresConnection) throws -> BatchEffects {
        guard !commands.isEmpty else { return BatchEffects() }
        let debts = try DebtStore.lock(Set(commands.map(\.debtId)), in: database)
        let wallets = try LedgerStore.lockAccounts(Set(commands.map(\.wallet)), in: database)
        let plan = RepaymentPlan(commands: commands, debts: debts, wallets: wallets)

        var effects = BatchEffects()
        var repaid: [(command: DebtRepayment, data: DebtRepaid)] = []
        let now = Date()
        for outcome in plan.outcomes {
            effects.events += outcome.events.map { DomainEvent($0, occurredAt: now, commandId: outcome.command.commandId) }
            switch outcome {
            case .repaid(let command, let data, _): repaid.append((command, data))
            case .rejected(let command, let reason, _): effects.rejections[command.commandId] = reason.rawValue
            }
        }
        try LedgerStore.post(
            repaid.map {
                TransferPosting(
                    commandId: $0.command.commandId, kind: "debt_repayment", debitAccount: $0.command.wallet,
                    creditAccount: $0.data.lender, amount: $0.command.amount.minorUnits,
                    currency: $0.command.amount.currency.code, reference: $0.data.debtId)
            }, in: database)
        try DebtStore.record(repaid.map(\.data), commands: repaid.map(\.command.commandId), debts: Array(plan.debts.values), in: database)
        let balances = try LedgerStore.applyBalanceChanges(plan.balanceChanges, in: database)
        // Last: the hot lender accounts, held from here to the commit only.
        try LedgerStore.applyBalanceChanges(plan.lenderCredits, in: database)
        effects.cache = WalletCache.writes(balances)
        return effects
    }

    public func repairCache(for duplicates: [DebtCommand], in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(try LedgerStore.accountsMoved(byCommands: duplicates.map(\.commandId), in: database), in: database)
    }

    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(nil, in: database)
    }
}
