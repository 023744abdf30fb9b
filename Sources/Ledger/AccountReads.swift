import Domain
import Foundation
import PostgresClient
import RedisClient

/// What a user reads of their accounts, for the API and the CLI alike:
/// one account (from the cache when it has it), a user's accounts, and an
/// account's statement a page at a time.
public enum AccountReads {
    /// An account with its balance; `source` says where the balance came from.
    public struct View: Sendable, Equatable {
        public let balance: AccountBalance
        /// When the balance was known to be current: the cache entry's write,
        /// or the database read.
        public let asOf: String
        /// "cache" or "database".
        public let source: String

        public var json: JSONValue {
            .object([
                "account": .string(balance.id), "user_id": .optional(balance.userId), "currency": .string(balance.currency),
                "purpose": .optional(balance.purpose), "status": .string(balance.status), "balance": .integer(balance.balance),
                "version": .integer(balance.version), "as_of": .string(asOf), "source": .string(source),
            ])
        }

        /// One line for people: "w0001 (u0001, personal, open): $10.93, version 4".
        public var text: String {
            let owner = [balance.userId, balance.purpose].compactMap { $0 } + [balance.status]
            return
                "\(balance.id) (\(owner.joined(separator: ", "))): \(Money.text(balance.balance, balance.currency)), version \(balance.version)"
        }
    }

    /// The account from the cache when the cache holds it whole, else from
    /// PostgreSQL (written back to the cache, version-guarded). Workers
    /// write the cache after every commit and rewrite it whole when they
    /// reconnect to Redis; `fresh` skips the cache for the committed truth.
    public static func account(
        _ id: String, cache: RedisConnection?, database: () throws -> PostgresConnection, fresh: Bool = false
    ) throws -> View? {
        let cached = fresh ? nil : cache.flatMap { try? Self.cached(id, in: $0) }
        if case .whole(let view)? = cached { return view }
        let rows = try database().execute(
            prepared: """
                SELECT id, balance, version, user_id, currency, purpose, status,
                       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS as_of
                FROM accounts WHERE id = $1
                """, [id])
        guard rows.count == 1 else { return nil }
        let account = try AccountBalance(rows, 0)
        let asOf = try rows.decode(0, "as_of", as: String.self)
        // An entry written before it held the whole account (an older
        // version of the workers) is replaced: the version guard alone
        // would keep it, as the version has not moved.
        let replace: [RedisCommand] = cached == .partial ? [.plain(["DEL", WalletCache.key(id)])] : []
        _ = try? cache?.pipeline(replace + [WalletCache.write(account, at: asOf)])
        return View(balance: account, asOf: asOf, source: "database")
    }

    private enum Cached: Equatable {
        case whole(View)
        /// Some of the fields a read answers are missing.
        case partial
    }

    /// nil when the cache has no entry.
    private static func cached(_ id: String, in cache: RedisConnection) throws -> Cached? {
        let fields = ["version", "balance", "status", "currency", "user_id", "purpose", "at"]
        let values = try cache.command(["HMGET", WalletCache.key(id)] + fields).array?.map(\.string) ?? []
        guard values.count == fields.count, values.contains(where: { $0 != nil }) else { return nil }
        guard let version = values[0].flatMap({ Int64($0) }), let balance = values[1].flatMap({ Int64($0) }), let status = values[2],
            let currency = values[3], let at = values[6]
        else { return .partial }
        let account = AccountBalance(
            id: id, userId: values[4].flatMap { $0.isEmpty ? nil : $0 }, currency: currency,
            purpose: values[5].flatMap { $0.isEmpty ? nil : $0 }, status: status, balance: balance, version: version)
        return .whole(View(balance: account, asOf: at, source: "cache"))
    }

    /// A user's wallets, oldest first, from PostgreSQL.
    public static func accounts(ofUser user: String, in database: PostgresConnection) throws -> [View] {
        let rows = try database.execute(
            prepared: """
                SELECT id, balance, version, user_id, currency, purpose, status,
                       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS as_of
                FROM accounts WHERE user_id = $1 ORDER BY created_at, id
                """, [user])
        return try (0..<rows.count).map {
            View(balance: try AccountBalance(rows, $0), asOf: try rows.decode($0, "as_of"), source: "database")
        }
    }

    /// One line of a statement.
    public struct Entry: Sendable, Equatable {
        public let id: Int64
        public let transferId: Int64
        public let kind: String
        /// The account on the other side: who paid it in, or whom it paid.
        public let counterparty: String
        /// Signed: negative left the account.
        public let amount: Int64
        public let balanceAfter: Int64
        public let memo: String?
        public let reference: String?
        public let commandId: String
        public let at: String
    }

    /// A page of a statement, newest first, and the cursor of the next.
    public struct Statement: Sendable {
        public let account: String
        public let currency: String
        public let entries: [Entry]
        /// Pass as `after` for the next (older) page; nil on the last.
        public let next: Int64?

        public var json: JSONValue {
            .object([
                "account": .string(account), "currency": .string(currency),
                "entries": .array(
                    entries.map { e in
                        .object([
                            "entry_id": .integer(e.id), "transfer_id": .integer(e.transferId), "kind": .string(e.kind),
                            "counterparty": .string(e.counterparty), "amount": .integer(e.amount),
                            "balance_after": .integer(e.balanceAfter),
                            "memo": .optional(e.memo), "reference": .optional(e.reference), "command_id": .string(e.commandId),
                            "at": .string(e.at),
                        ])
                    }),
                "next": next.map(JSONValue.integer) ?? .null,
            ])
        }
    }

    public static let maxPage = 500

    /// Entries older than `after` (an entry id; the newest when nil), at
    /// most `limit`. Exact while entries arrive: a wallet's entries are
    /// written under its row lock, so their ids rise in commit order and a
    /// new one is always newer than every page already read. The balance
    /// after each entry comes from the account's balance in the same
    /// snapshot, less what every newer entry moved.
    public static func statement(_ id: String, after: Int64?, limit: Int, in database: PostgresConnection) throws -> Statement? {
        try database.transaction(.repeatableRead) { db in
            let account = try db.execute(prepared: "SELECT balance, currency FROM accounts WHERE id = $1", [id])
            guard account.count == 1 else { return nil }
            let newer: Int64 =
                try after.map {
                    try db.execute(
                        prepared: "SELECT coalesce(sum(amount), 0)::bigint AS moved FROM ledger_entries WHERE account_id = $1 AND id >= $2",
                        [id, $0]
                    ).decode(0, "moved")
                } ?? 0
            let rows = try db.execute(
                prepared: """
                    SELECT e.id, e.transfer_id, t.kind, e.amount, t.memo, t.reference, t.command_id,
                           CASE WHEN e.amount < 0 THEN t.credit_account ELSE t.debit_account END AS counterparty,
                           to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
                    FROM ledger_entries e JOIN transfers t ON t.id = e.transfer_id
                    WHERE e.account_id = $1 AND e.id < $2
                    ORDER BY e.id DESC LIMIT $3
                    """, [id, after ?? Int64.max, Int64(limit + 1)])
            var balance = try account.decode(0, "balance", as: Int64.self) - newer
            var entries: [Entry] = []
            for row in 0..<min(rows.count, limit) {
                let amount = try rows.decode(row, "amount", as: Int64.self)
                entries.append(
                    Entry(
                        id: try rows.decode(row, "id"), transferId: try rows.decode(row, "transfer_id"), kind: try rows.decode(row, "kind"),
                        counterparty: try rows.decode(row, "counterparty"), amount: amount, balanceAfter: balance,
                        memo: try rows.decode(row, "memo"), reference: try rows.decode(row, "reference"),
                        commandId: try rows.decode(row, "command_id"), at: try rows.decode(row, "at")))
                balance -= amount
            }
            return Statement(
                account: id, currency: try account.decode(0, "currency"), entries: entries,
                next: rows.count > limit ? entries.last?.id : nil)
        }
    }
}
