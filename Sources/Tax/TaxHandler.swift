import Domain
import PostgresClient
import WorkerRuntime

/// Categorizes what every money-moving event means for each user's tax
/// (payments by `tax_rules`, other events by `tax_categories`) and keeps
/// per-user quarterly totals.
public struct TaxHandler: EventSubscriber {
    public let consumer = Consumer.tax
    public let queue = "events.tax"
    /// Keyed by (event, user, category), an entry already there is skipped
    /// (`insertSkippingExisting`); totals add only the rows inserted.
    public var isIdempotentByNaturalKey: Bool { true }

    public init() {}

    /// The events that move a user's money.
    public static func subscribes(to type: EventType) -> Bool {
        switch type {
        case .paymentCompleted, .milestoneCompleted, .debtRepaid: true
        case .paymentRejected, .milestoneRejected, .debtPaidOff, .debtRepaymentRejected, .riskRecalculated, .riskChanged,
             .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged: false
        }
    }

    private struct Entry {
        let eventId: String
        let user: String
        let category: String
        let amount: Int64
        let currency: String
        let quarter: String
        let eventType: String
    }

    public func apply(_ events: [DomainEvent], in database: PostgresConnection) throws -> BatchEffects {
        let categories = try loadCategories(database)
        var entries: [Entry] = []
        for event in events where Self.subscribes(to: event.type) {
            guard let quarter = TaxRules.quarter(ofISO8601: event.occurredAt) else { continue }
            for amount in event.payload.taxableAmounts {
                guard let category = categories.category(of: amount, in: event.payload) else { continue }
                entries.append(Entry(eventId: event.eventId, user: amount.user, category: category, amount: amount.amount.minorUnits,
                                     currency: amount.amount.currency.code, quarter: quarter, eventType: event.type.rawValue))
            }
        }
        guard !entries.isEmpty else { return BatchEffects() }
        let inserted = try database.insertSkippingExisting("""
            INSERT INTO tax_entries (event_id, user_id, category, amount, currency, quarter, event_type)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
            """, returning: "RETURNING user_id, quarter, currency, category, amount, event_id",
            [entries.map(\.eventId), entries.map(\.user), entries.map(\.category), entries.map(\.amount),
             entries.map(\.currency), entries.map(\.quarter), entries.map(\.eventType)])
        // One upsert row per key (ON CONFLICT cannot touch a row twice),
        // in key order so concurrent lanes lock totals in the same order.
        var totals: [[String]: (total: Int64, count: Int)] = [:]
        var alreadyApplied = Set(entries.map(\.eventId))
        for row in 0..<inserted.count {
            alreadyApplied.remove(try inserted.decode(row, 5, as: String.self))
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
        return BatchEffects(alreadyApplied: alreadyApplied)
    }

    /// Read per batch (two small queries), so a new rule applies without a restart.
    private func loadCategories(_ database: PostgresConnection) throws -> TaxCategories {
        let rules = try database.execute(prepared: "SELECT priority, kind, memo_pattern, payee_category, payer_category FROM tax_rules ORDER BY id")
        let parts = try database.execute(prepared: "SELECT part, category FROM tax_categories")
        var byPart: [TaxableAmount.Part: String?] = [:]
        for row in 0..<parts.count {
            if let part = TaxableAmount.Part(rawValue: try parts.decode(row, 0, as: String.self)) { byPart[part] = parts.string(row, 1) }
        }
        return TaxCategories(paymentRules: TaxRules(try (0..<rules.count).map {
            TaxRule(priority: try rules.decode($0, 0, as: Int.self), kind: rules.string($0, 1), memoPattern: rules.string($0, 2),
                    payeeCategory: rules.string($0, 3), payerCategory: rules.string($0, 4))
        }), parts: byPart)
    }
}
