import AMQPClient
import Domain
import Foundation
import Ledger
import PostgresClient
import RedisClient
import WorkerRuntime

/// Applies payment commands: a double-entry transfer each, or a rejection
/// with its reason. The whole batch takes set-based statements: one to lock
/// the wallets (in id order: no deadlocks between lanes), one for transfers
/// and their ledger entries, one for the balances (once per wallet per
/// batch, however hot the wallet).
public struct PaymentHandler: BatchHandler {
    public let name = "payments"
    public let queue = "commands.payment"
    public var recordsCommandStatus: Bool { true }

    public init() {}

    public func decode(_ message: AMQPMessage) throws(InvalidMessage) -> PaymentCommand {
        let command = try PaymentCommand(body: message.body)
        if let messageId = message.properties.messageId, messageId != command.commandId {
            throw InvalidMessage(field: "command_id", "\"\(command.commandId)\" differs from the AMQP message_id \"\(messageId)\"")
        }
        return command
    }

    public func id(of command: PaymentCommand) -> String { command.commandId }

    public func digest(of command: PaymentCommand) -> String? { command.digest }

    public func apply(_ commands: [PaymentCommand], in database: PostgresConnection) throws -> BatchEffects {
        let accounts = try LedgerStore.lockAccounts(Set(commands.flatMap { [$0.payer, $0.payee] }), in: database)
        let plan = PaymentPlan(commands: commands, accounts: accounts)
        try post(plan.completed, database)
        let balances = try LedgerStore.applyBalanceChanges(plan.balanceChanges, in: database)

        let now = Date()
        let users = accounts.compactMapValues(\.userId)
        var effects = BatchEffects(events: plan.outcomes.map { $0.event(at: now, users: users) })
        for case .rejected(let command, let reason, _) in plan.outcomes {
            effects.rejections[command.commandId] = reason.rawValue
        }
        effects.cache = balances.map { WalletCache.write($0.id, balance: $0.balance, version: $0.version) }
        return effects
    }

    /// The wallets' current balances and versions, for commands a crashed
    /// attempt may have applied without caching (version-guarded writes:
    /// never a step back).
    public func repairCache(for duplicates: [PaymentCommand], in database: PostgresConnection) throws -> [RedisCommand] {
        try cachedBalances(database.execute(prepared: "SELECT id, balance, version FROM accounts WHERE id = ANY($1::text[])",
                                            [Set(duplicates.flatMap { [$0.payer, $0.payee] }).sorted()]))
    }

    /// Every account's balance, for a lane that has just (re)connected to Redis.
    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try cachedBalances(database.query("SELECT id, balance, version FROM accounts"))
    }

    private func cachedBalances(_ rows: PostgresRows) throws -> [RedisCommand] {
        try (0..<rows.count).map { WalletCache.write(try rows.decode($0, 0, as: String.self), balance: try rows.decode($0, 1, as: Int64.self), version: try rows.decode($0, 2, as: Int64.self)) }
    }

    private func post(_ payments: [PaymentCommand], _ database: PostgresConnection) throws {
        try LedgerStore.post(payments.map {
            TransferPosting(commandId: $0.commandId, kind: $0.kind, debitAccount: $0.payer, creditAccount: $0.payee,
                            amount: $0.amount.minorUnits, currency: $0.amount.currency.code, memo: $0.memo, reference: $0.reference)
        }, in: database)
    }
}
