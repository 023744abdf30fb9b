import Domain
import PostgresClient

/// `notification_rules`, read per batch so a changed rule applies without a restart.
enum NotificationRuleStore {
    static func load(_ database: PostgresConnection) throws -> NotificationRules {
        let rows = try database.execute(
            prepared: """
                SELECT id, kind, event_type, threshold_minor_units, currency, threshold_percent
                FROM notification_rules WHERE enabled ORDER BY id
                """)
        var events: Set<EventType> = []
        var large: [Currency: Int64] = [:]
        var low: [NotificationRules.LowBalance] = []
        for row in 0..<rows.count {
            let threshold = try rows.decode(row, "threshold_minor_units", as: Int64?.self)
            let currency = try rows.decode(row, "currency", as: String?.self).flatMap(Currency.init)
            switch try rows.decode(row, "kind", as: String.self) {
            case "event":
                if let type = try rows.decode(row, "event_type", as: String?.self).flatMap(EventType.init(rawValue:)) {
                    events.insert(type)
                }
            case "large_incoming_payment":
                if let threshold, let currency { large[currency] = min(large[currency] ?? .max, threshold) }
            case "low_balance":
                let id = try rows.decode(row, "id", as: Int64.self)
                if let percent = try rows.decode(row, "threshold_percent", as: Int64?.self) {
                    low.append(.init(ruleId: id, threshold: .percentOfThirtyDayAverage(percent)))
                } else if let threshold, let currency {
                    low.append(.init(ruleId: id, threshold: .below(Money(minorUnits: threshold, currency: currency))))
                }
            default: continue
            }
        }
        return NotificationRules(events: events, largeIncomingPayment: large, lowBalance: low)
    }
}
