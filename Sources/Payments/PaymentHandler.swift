import Domain
import Foundation
import Ledger
import Milestones
import PostgresClient
import RedisClient
import WorkerRuntime

/// Applies payment commands: a double-entry transfer each, or a rejection
/// with its reason. The whole batch takes set-based statements: one to lock
/// the wallets (in id order: no deadlocks between lanes), one for transfers
/// and their ledger entries, one for the balances (once per wallet per
/// batch, however hot the wallet). An `escrow_fund` payment credits a
/// milestone's escrow account, within the milestone's rules (`PaymentPlan`).
public struct PaymentHandler: CommandHandler {
    public let consumer = Consumer.payments
    public let queue = "commands.payment"

    public init() {}

    public func apply(_ commands: [PaymentCommand], in database: PostgresConnection) throws -> BatchEffects {
        // Milestones before accounts: the milestones worker's lock order too.
        let escrows = try MilestoneStore.lockEscrowTargets(Set(commands.compactMap(\.escrowMilestone)), in: database)
        let accounts = try LedgerStore.lockAccounts(Set(commands.flatMap { [$0.payer, $0.payee] }), in: database)
        let plan = PaymentPlan(commands: commands, accounts: accounts, escrows: escrows)
        try post(plan.completed, database)
        let balances = try LedgerStore.applyBalanceChanges(plan.balanceChanges, in: database)
        try MilestoneStore.markFunded(plan.fundedMilestones, in: database)

        let now = Date()
        let users = accounts.compactMapValues(\.userId)
        var effects = BatchEffects(events: plan.outcomes.map { $0.event(at: now, users: users) })
        for case .rejected(let command, let reason, _) in plan.outcomes {
            effects.rejections[command.commandId] = reason.rawValue
        }
        effects.cache = WalletCache.writes(balances)
        return effects
    }

    public func repairCache(for duplicates: [PaymentCommand], in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(Set(duplicates.flatMap { [$0.payer, $0.payee] }), in: database)
    }

    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(nil, in: database)
    }

    private func post(_ payments: [PaymentCommand], _ database: PostgresConnection) throws {
        try LedgerStore.post(
            payments.map {
                TransferPosting(
                    commandId: $0.commandId, kind: $0.kind, debitAccount: $0.payer, creditAccount: $0.payee,
                    amount: $0.amount.minorUnits, currency: $0.amount.currency.code, memo: $0.memo, reference: $0.reference)
            }, in: database)
    }
}
