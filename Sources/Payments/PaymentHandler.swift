import AMQPClient
import Domain
import Foundation
import PostgresClient
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

    public func apply(_ commands: [PaymentCommand], in database: PostgresConnection) throws -> BatchEffects {
        let accounts = try lockAccounts(Set(commands.flatMap { [$0.payer, $0.payee] }), database)
        let plan = PaymentPlan(commands: commands, accounts: accounts)
        let completed = plan.outcomes.compactMap { outcome -> PaymentCommand? in
            if case .completed(let command) = outcome { command } else { nil }
        }
        try recordTransfers(completed, database)
        let balances = try applyBalanceChanges(plan.balanceChanges, database)

        let now = Date()
        let users = accounts.compactMapValues(\.userId)
        var effects = BatchEffects(events: plan.outcomes.map { $0.event(at: now, users: users) })
        for case .rejected(let command, let reason, _) in plan.outcomes {
            effects.rejections[command.commandId] = reason.rawValue
        }
        effects.cache = balances.map { WalletCache.write($0.id, balance: $0.balance, version: $0.version) }
        return effects
    }

    private func lockAccounts(_ ids: Set<String>, _ database: PostgresConnection) throws -> [String: AccountState] {
        let rows = try database.execute(prepared: """
            SELECT id, user_id, kind = 'wallet', currency, balance, status = 'open'
            FROM accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE
            """, [ids.sorted()])
        var accounts: [String: AccountState] = [:]
        for row in 0..<rows.count {
            let id = rows.string(row, 0)!
            accounts[id] = AccountState(id: id, userId: rows.string(row, 1), isWallet: rows.bool(row, 2)!,
                                        currency: rows.string(row, 3)!, balance: rows.int64(row, 4)!, isOpen: rows.bool(row, 5)!)
        }
        return accounts
    }

    /// One transfer row and two ledger entries (debit negative, credit
    /// positive: they sum to zero) per completed payment, in one statement.
    private func recordTransfers(_ payments: [PaymentCommand], _ database: PostgresConnection) throws {
        guard !payments.isEmpty else { return }
        try database.execute(prepared: """
            WITH t AS (
                INSERT INTO transfers (command_id, kind, debit_account, credit_account, amount, currency, memo, reference)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[])
                RETURNING id, debit_account, credit_account, amount, currency)
            INSERT INTO ledger_entries (transfer_id, account_id, amount, currency)
            SELECT id, debit_account, -amount, currency FROM t
            UNION ALL
            SELECT id, credit_account, amount, currency FROM t
            """, [payments.map(\.commandId), payments.map(\.kind), payments.map(\.payer), payments.map(\.payee),
                  payments.map(\.amount.minorUnits), payments.map(\.amount.currency.code), payments.map(\.memo),
                  payments.map(\.reference)])
    }

    private func applyBalanceChanges(_ changes: [String: Int64], _ database: PostgresConnection) throws
        -> [(id: String, balance: Int64, version: Int64)] {
        guard !changes.isEmpty else { return [] }
        let ids = changes.keys.sorted()
        let rows = try database.execute(prepared: """
            UPDATE accounts a SET balance = a.balance + d.delta, version = a.version + 1
            FROM unnest($1::text[], $2::bigint[]) AS d(id, delta)
            WHERE a.id = d.id
            RETURNING a.id, a.balance, a.version
            """, [ids, ids.map { changes[$0]! }])
        return (0..<rows.count).map { (rows.string($0, 0)!, rows.int64($0, 1)!, rows.int64($0, 2)!) }
    }
}
