/// One row of the tax ledger: what an event means for one user's tax, in
/// one category and quarter.
public struct TaxEntry: Sendable, Equatable {
    public let eventId: String
    public let user: String
    public let category: String
    public let amount: Money
    public let quarter: String
    public let eventType: EventType

    public init(eventId: String, user: String, category: String, amount: Money, quarter: String, eventType: EventType) {
        (self.eventId, self.user, self.category, self.amount, self.quarter, self.eventType) = (
            eventId, user, category, amount, quarter, eventType
        )
    }

    /// Every entry the events make: each taxable amount that has a
    /// category, in the quarter of its event's day. An amount without a
    /// category (not taxable) or an event without a readable time makes none.
    public static func of(_ events: [DomainEvent], categories: TaxCategories) -> [TaxEntry] {
        events.flatMap { event -> [TaxEntry] in
            guard let quarter = TaxRules.quarter(ofISO8601: event.occurredAt) else { return [] }
            return event.payload.taxableAmounts.compactMap { amount in
                categories.category(of: amount, in: event.payload).map {
                    TaxEntry(
                        eventId: event.eventId, user: amount.user, category: $0, amount: amount.amount, quarter: quarter,
                        eventType: event.type)
                }
            }
        }
    }
}

/// What new entries add to each user's quarterly totals, one row per
/// (user, quarter, currency, category), in that order: an upsert touches a
/// row once, and concurrent writers lock the totals in the same order.
public struct TaxQuarterTotal: Sendable, Equatable {
    public let user: String
    public let quarter: String
    public let currency: String
    public let category: String
    public let total: Int64
    public let entries: Int

    public static func of(_ entries: [TaxEntry]) -> [TaxQuarterTotal] {
        let grouped = Dictionary(grouping: entries) { [$0.user, $0.quarter, $0.amount.currency.code, $0.category] }
        return grouped.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            let group = grouped[key]!
            return TaxQuarterTotal(
                user: key[0], quarter: key[1], currency: key[2], category: key[3],
                total: group.reduce(0) { $0 + $1.amount.minorUnits }, entries: group.count)
        }
    }
}
