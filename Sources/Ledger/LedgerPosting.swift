import Domain
import PostgresClient

/// One money movement to record: a transfer row and its two entries.
public struct TransferPosting: Sendable {
    public let commandId: String
    public let kind: String
    public let debitAccount: String
    public let creditAccount: String
    public let amount: Int64
    public let currency: String
    public let memo: String?
    public let reference: String?

    public init(
        commandId: String, kind: String, debitAccount: String, creditAccount: String,
        amount: Int64, currency: String, memo: String? = nil, reference: String? = nil
    ) {
        self.commandId = commandId
        self.kind = kind
        self.debitAccount = debitAccount
        self.creditAccount = creditAccount
        self.amount = amount
        self.currency = currency
        self.memo = memo
        self.reference = reference
    }
}

/// A posting of more than two legs: one account pays `amount`, several are
/// credited (a milestone release: the freelancer the net, the fee account
/// the fee). Legs of zero are left out; the credits sum to `amount`.
public struct SplitPosting: Sendable {
    public let commandId: String
    public let kind: String
    public let debitAccount: String
    public let amount: Int64
    public let currency: String
    /// The first is the main beneficiary (`transfers.credit_account`).
    public let credits: [(account: String, amount: Int64)]
    public let reference: String?

    public init(
        commandId: String, kind: String, debitAccount: String, currency: String,
        credits: [(account: String, amount: Int64)], reference: String? = nil
    ) {
        self.commandId = commandId
        self.kind = kind
        self.debitAccount = debitAccount
        self.currency = currency
        self.credits = credits.filter { $0.amount != 0 }
        self.amount = self.credits.reduce(0) { $0 + $1.amount }
        self.reference = reference
    }
}

/// The ledger's writes, set-based: whatever the batch size, a fixed number
/// of statements. Callers run them inside their transaction.
public enum LedgerStore {
    /// Locks the accounts in id order (so concurrent batches cannot
    /// deadlock) and returns their state. NO KEY UPDATE: balances are not
    /// keys, so foreign-key checks of other transactions never wait on it.
    /// Joined to the ids rather than `id = ANY($1)`: a row another lane
    /// updated while this one waited is re-checked (EvalPlanQual), and with
    /// `= ANY` each re-check rescanned the index with the whole array,
    /// sorting it again: per row, about 7 % of PostgreSQL's CPU on W1.
    public static func lockAccounts(_ ids: Set<String>, in database: PostgresConnection) throws -> [String: AccountState] {
        try accounts(ids, lock: "ORDER BY a.id FOR NO KEY UPDATE OF a", in: database)
    }

    /// The accounts' state without locking them: for a hot system account
    /// whose balance the batch changes last (a lender's), and whose kind is
    /// all it decides on.
    public static func readAccounts(_ ids: Set<String>, in database: PostgresConnection) throws -> [String: AccountState] {
        try accounts(ids, lock: "", in: database)
    }

    private static func accounts(_ ids: Set<String>, lock: String, in database: PostgresConnection) throws -> [String: AccountState] {
        let rows = try database.execute(
            prepared: """
                SELECT a.id, a.user_id, a.kind = 'wallet' AS is_wallet, a.currency, a.balance, a.status, a.purpose
                FROM unnest($1::text[]) AS wanted(id) JOIN accounts a ON a.id = wanted.id \(lock)
                """, [ids.sorted()])
        var accounts: [String: AccountState] = [:]
        for row in 0..<rows.count {
            let id = try rows.decode(row, "id", as: String.self)
            accounts[id] = try AccountState(
                id: id, userId: rows.decode(row, "user_id"), isWallet: rows.decode(row, "is_wallet"),
                currency: rows.decode(row, "currency"), balance: rows.decode(row, "balance"),
                status: AccountStatus(rawValue: rows.decode(row, "status")) ?? .closed,
                purpose: rows.decode(row, "purpose", as: String?.self).flatMap(AccountPurpose.init(rawValue:)))
        }
        return accounts
    }

    /// A transfer row and two ledger entries per posting (debit negative,
    /// credit positive: they sum to zero), in one statement.
    public static func post(_ postings: [TransferPosting], in database: PostgresConnection) throws {
        guard !postings.isEmpty else { return }
        try requireAccounts(Set(postings.flatMap { [$0.debitAccount, $0.creditAccount] }), in: database)
        try database.execute(
            prepared: """
                WITH t AS (
                    INSERT INTO transfers (command_id, kind, debit_account, credit_account, amount, currency, memo, reference)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[])
                    RETURNING id, debit_account, credit_account, amount, currency)
                INSERT INTO ledger_entries (transfer_id, account_id, amount, currency)
                SELECT id, debit_account, -amount, currency FROM t
                UNION ALL
                SELECT id, credit_account, amount, currency FROM t
                """,
            [
                postings.map(\.commandId), postings.map(\.kind), postings.map(\.debitAccount), postings.map(\.creditAccount),
                postings.map(\.amount), postings.map(\.currency), postings.map(\.memo), postings.map(\.reference),
            ])
    }

    /// A transfer row and its entries per split posting (one debit, the
    /// credits), in one statement.
    public static func post(splits: [SplitPosting], in database: PostgresConnection) throws {
        guard !splits.isEmpty else { return }
        let legs = splits.flatMap { split in split.credits.map { (split.commandId, $0.account, $0.amount) } }
        try requireAccounts(Set(splits.map(\.debitAccount) + legs.map(\.1)), in: database)
        try database.execute(
            prepared: """
                WITH t AS (
                    INSERT INTO transfers (command_id, kind, debit_account, credit_account, amount, currency, reference, legs)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::int[])
                    RETURNING id, command_id, debit_account, amount, currency)
                INSERT INTO ledger_entries (transfer_id, account_id, amount, currency)
                SELECT id, debit_account, -amount, currency FROM t
                UNION ALL
                SELECT t.id, l.account, l.amount, t.currency
                FROM unnest($9::text[], $10::text[], $11::bigint[]) AS l(command_id, account, amount) JOIN t USING (command_id)
                """,
            [
                splits.map(\.commandId), splits.map(\.kind), splits.map(\.debitAccount), splits.map { $0.credits[0].account },
                splits.map(\.amount), splits.map(\.currency), splits.map(\.reference), splits.map { $0.credits.count + 1 },
                legs.map(\.0), legs.map(\.1), legs.map(\.2),
            ])
    }

    /// Every account a posting names exists, or nothing is posted: the
    /// check the transfers' foreign keys made per row (migration 0018), one
    /// statement for the batch. Accounts are never deleted
    /// (`accounts_are_kept`), so what exists here still does at commit.
    static func requireAccounts(_ ids: Set<String>, in database: PostgresConnection) throws {
        let missing = try database.execute(
            prepared: """
                SELECT w.id FROM unnest($1::text[]) AS w(id) WHERE NOT EXISTS (SELECT FROM accounts a WHERE a.id = w.id) ORDER BY w.id
                """, [Array(ids)])
        guard missing.isEmpty else { throw UnknownAccounts(ids: try (0..<missing.count).map { try missing.decode($0, "id") }) }
    }

    /// The accounts the commands' transfers moved (a command posts at most
    /// one): what a redelivery's cache repair rewrites.
    public static func accountsMoved(byCommands ids: [String], in database: PostgresConnection) throws -> Set<String> {
        let rows = try database.execute(
            prepared: """
                SELECT DISTINCT e.account_id FROM transfers t JOIN ledger_entries e ON e.transfer_id = t.id WHERE t.command_id = ANY($1::text[])
                """, [ids])
        return Set(try (0..<rows.count).map { try rows.decode($0, "account_id") })
    }

    /// Adds each net change to its account once and bumps its version, and
    /// to a wallet's net movement of the day (`wallet_daily_net`). The day is
    /// the transaction's, as the ledger entries' `created_at` is.
    @discardableResult
    public static func applyBalanceChanges(_ changes: [String: Int64], in database: PostgresConnection) throws -> [AccountBalance] {
        guard !changes.isEmpty else { return [] }
        let ids = changes.keys.sorted()
        let rows = try database.execute(
            prepared: """
                WITH changed AS (
                    UPDATE accounts a SET balance = a.balance + d.delta, version = a.version + 1
                    FROM unnest($1::text[], $2::bigint[]) AS d(id, delta)
                    WHERE a.id = d.id
                    RETURNING a.id, a.kind, a.balance, a.version, d.delta, a.user_id, a.currency, a.purpose, a.status
                ), daily AS (
                    INSERT INTO wallet_daily_net (wallet, day, net)
                    SELECT id, (now() AT TIME ZONE 'UTC')::date, delta FROM changed WHERE kind = 'wallet' ORDER BY id
                    ON CONFLICT (wallet, day) DO UPDATE SET net = wallet_daily_net.net + EXCLUDED.net
                )
                SELECT id, balance, version, user_id, currency, purpose, status FROM changed
                """, [ids, ids.map { changes[$0]! }])
        return try (0..<rows.count).map { try AccountBalance(rows, $0) }
    }
}

/// An account as the cache keeps it: what a balance read answers.
public struct AccountBalance: Sendable, Equatable {
    public let id: String
    public let userId: String?
    public let currency: String
    public let purpose: String?
    public let status: String
    public let balance: Int64
    public let version: Int64

    public init(id: String, userId: String?, currency: String, purpose: String?, status: String, balance: Int64, version: Int64) {
        (self.id, self.userId, self.currency, self.purpose, self.status, self.balance, self.version) = (
            id, userId, currency, purpose, status, balance, version
        )
    }

    /// A row with these columns by name.
    init(_ rows: PostgresRows, _ row: Int) throws {
        id = try rows.decode(row, "id")
        userId = try rows.decode(row, "user_id")
        currency = try rows.decode(row, "currency")
        purpose = try rows.decode(row, "purpose")
        status = try rows.decode(row, "status")
        balance = try rows.decode(row, "balance")
        version = try rows.decode(row, "version")
    }
}

/// A posting named accounts that do not exist. Thrown inside the batch's
/// transaction, which rolls back: the batch is retried in halves, and the
/// message that names them fails alone, through the retry tiers to its
/// dead-letter queue.
public struct UnknownAccounts: Error, CustomStringConvertible {
    public let ids: [String]
    public var description: String {
        "a posting names accounts that do not exist: \(ids.joined(separator: ", ")); nothing of it was written"
    }
}
