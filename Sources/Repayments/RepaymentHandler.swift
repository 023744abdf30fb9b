import Domain
import Foundation
import Ledger
import PostgresClient
import RedisClient
import WorkerRuntime

/// Applies `debt.repayment`: accrued interest first, then principal, as one
/// transfer from the wallet to the lender's account, or a rejection with its
/// reason. Interest accrues to the day the broker accepted the command (its
/// AMQP timestamp), so a retry or a replay splits it the same way.
///
/// A lender's account is credited by every repayment to that lender: like
/// the fee account, it is added to last, held only until the commit.
public struct RepaymentHandler: CommandHandler {
    public let consumer = Consumer.repayments
    public let queue = "commands.repayment"

    public init() {}

    /// The time it was sent is part of it: interest accrues to then.
    public func command(from message: InboundMessage) throws(InvalidMessage) -> DebtRepayment {
        guard let timestamp = message.sentAt else {
            throw InvalidMessage(field: nil, "the AMQP timestamp is missing: a repayment's interest accrues to the time it was accepted")
        }
        return try DebtRepayment(body: message.body, acceptedAt: Date(timeIntervalSince1970: TimeInterval(timestamp)))
    }

    public func apply(_ commands: [DebtRepayment], in database: PostgresConnection) throws -> BatchEffects {
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

    public func repairCache(for duplicates: [DebtRepayment], in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(Set(duplicates.map(\.wallet)), in: database)
    }

    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(nil, in: database)
    }
}
