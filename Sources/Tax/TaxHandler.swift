import AMQPClient
import Domain
import PostgresClient
import WorkerRuntime

/// Categorizes completed payments by the rules in `tax_rules` (payee
/// income, payer expense by default) and keeps per-user quarterly totals.
public struct TaxHandler: BatchHandler {
    public let name = "tax"
    public let queue = "events.tax"
    /// Keyed by (event, user), inserted ON CONFLICT DO NOTHING; totals add
    /// only the rows inserted.
    public var isIdempotentByNaturalKey: Bool { true }

    public init() {}

    public func decode(_ message: AMQPMessage) throws(InvalidMessage) -> DomainEvent {
        try DomainEvent(body: message.body)
    }

    public func id(of event: DomainEvent) -> String { event.eventId }

    private struct Entry {
        let eventId: String
        let user: String
        let category: String
        let amount: Int64
        let currency: String
        let quarter: String
    }

    public func apply(_ events: [DomainEvent], in database: PostgresConnection) throws -> BatchEffects {
        let rules = try loadRules(database)
        var entries: [Entry] = []
        for event in events where event.type == "payment.completed" {
            guard case .integer(let amount)? = event.data["amount"], case .string(let currency)? = event.data["currency"],
                  case .string(let kind)? = event.data["kind"], let quarter = TaxRules.quarter(ofISO8601: event.occurredAt),
                  let categories = rules.categorize(kind: kind, memo: event.data["memo"].flatMap { if case .string(let m) = $0 { m } else { nil } })
            else { continue }
            if case .string(let payee)? = event.data["payee_user"] {
                entries.append(Entry(eventId: event.eventId, user: payee, category: categories.payee, amount: amount, currency: currency, quarter: quarter))
            }
            if case .string(let payer)? = event.data["payer_user"] {
                entries.append(Entry(eventId: event.eventId, user: payer, category: categories.payer, amount: amount, currency: currency, quarter: quarter))
            }
        }
        guard !entries.isEmpty else { return BatchEffects() }
        let inserted = try database.execute(prepared: """
            INSERT INTO tax_entries (event_id, user_id, category, amount, currency, quarter)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
            ON CONFLICT DO NOTHING
            RETURNING user_id, quarter, currency, category, amount
            """, [entries.map(\.eventId), entries.map(\.user), entries.map(\.category), entries.map(\.amount),
                  entries.map(\.currency), entries.map(\.quarter)])
        // One upsert row per key (ON CONFLICT cannot touch a row twice),
        // in key order so concurrent lanes lock totals in the same order.
        var totals: [[String]: (total: Int64, count: Int)] = [:]
        for row in 0..<inserted.count {
            let key = try (0..<4).map { try inserted.decode(row, $0, as: String.self) }
            totals[key, default: (0, 0)].total += try inserted.decode(row, 4, as: Int64.self)
            totals[key, default: (0, 0)].count += 1
        }
        let keys = totals.keys.sorted { $0.lexicographicallyPrecedes($1) }
        try database.execute(prepared: """
            INSERT INTO tax_quarters (user_id, quarter, currency, category, total, entries)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[])
            ON CONFLICT (user_id, quarter, currency, category)
            DO UPDATE SET total = tax_quarters.total + excluded.total, entries = tax_quarters.entries + excluded.entries
            """, [keys.map { $0[0] }, keys.map { $0[1] }, keys.map { $0[2] }, keys.map { $0[3] },
                  keys.map { totals[$0]!.total }, keys.map { totals[$0]!.count }])
        return BatchEffects()
    }

    /// Read per batch (one small query), so a new rule applies without a restart.
    private func loadRules(_ database: PostgresConnection) throws -> TaxRules {
        let rows = try database.execute(prepared: "SELECT priority, kind, memo_pattern, payee_category, payer_category FROM tax_rules ORDER BY id")
        return TaxRules(try (0..<rows.count).map {
            TaxRule(priority: try rows.decode($0, 0, as: Int.self), kind: rows.string($0, 1), memoPattern: rows.string($0, 2),
                    payeeCategory: try rows.decode($0, 3, as: String.self), payerCategory: try rows.decode($0, 4, as: String.self))
        })
    }
}
