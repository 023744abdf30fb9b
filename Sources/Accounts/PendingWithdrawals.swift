import Domain
import PostgresClient

/// Withdrawals waiting on their gateway (`flexfin withdrawals --pending`):
/// requested, neither settled nor failed, oldest first.
public enum PendingWithdrawals {
    public struct Item: Sendable {
        public let withdrawal: WithdrawalState
        public let requestedAt: String
        public let ageSeconds: Int64
    }

    public static func list(olderThan seconds: Int64, in database: PostgresConnection) throws -> [Item] {
        let rows = try database.execute(
            prepared: """
                SELECT id, account, gateway, destination, amount, currency,
                       to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS requested_at,
                       extract(epoch FROM now() - requested_at)::bigint AS age
                FROM withdrawals WHERE status = 'pending' AND requested_at <= now() - make_interval(secs => $1)
                ORDER BY requested_at, id
                """, [seconds])
        return try (0..<rows.count).compactMap { row in
            guard let currency = Currency(try rows.decode(row, "currency")) else { return nil }
            return Item(
                withdrawal: WithdrawalState(
                    id: try rows.decode(row, "id"), account: try rows.decode(row, "account"),
                    amount: Money(minorUnits: try rows.decode(row, "amount"), currency: currency), gateway: try rows.decode(row, "gateway"),
                    destination: try rows.decode(row, "destination"), status: .pending),
                requestedAt: try rows.decode(row, "requested_at"), ageSeconds: try rows.decode(row, "age"))
        }
    }
}
