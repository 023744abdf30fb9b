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

    /// The events that move a user's money in a way tax may count:
    /// withdrawals move the user's own money out, which it does not.
    public static func subscribes(to type: EventType) -> Bool {
        switch type {
        case .paymentCompleted, .milestoneCompleted, .debtRepaid, .depositCompleted: true
        case .milestoneFunded, .milestoneFundingRejected, .milestoneCancelled, .milestoneCancellationRejected, .debtOpened,
            .debtOpeningRejected, .projectCreated, .projectRejected, .accountOpened, .accountFrozen, .accountUnfrozen, .accountClosed,
            .accountRejected,
            .depositRejected,
            .withdrawalRequested, .withdrawalSettled, .withdrawalFailed, .withdrawalRejected, .paymentRejected, .milestoneRejected,
            .debtPaidOff, .debtRepaymentRejected, .riskRecalculated, .riskChanged,
            .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged, .commandApproved, .commandDeclined:
            false
        }
    }

    public func apply(_ events: [DomainEvent], in database: PostgresConnection) throws -> BatchEffects {
        let entries = TaxEntry.of(events.filter { Self.subscribes(to: $0.type) }, categories: try loadCategories(database))
        guard !entries.isEmpty else { return BatchEffects() }
        let inserted = try database.insertSkippingExisting(
            """
            INSERT INTO tax_entries (event_id, user_id, category, amount, currency, quarter, event_type)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
            """, returning: "RETURNING event_id, user_id, category",
            [
                entries.map(\.eventId), entries.map(\.user), entries.map(\.category), entries.map(\.amount.minorUnits),
                entries.map(\.amount.currency.code), entries.map(\.quarter), entries.map(\.eventType.rawValue),
            ])
        // Totals only from the rows inserted: a redelivered event adds nothing.
        var new = Set<[String]>()
        for row in 0..<inserted.count {
            new.insert(try ["event_id", "user_id", "category"].map { try inserted.decode(row, $0, as: String.self) })
        }
        // The first of two amounts with one key is the row (the second was skipped).
        let added = entries.filter { new.remove([$0.eventId, $0.user, $0.category]) != nil }
        let totals = TaxQuarterTotal.of(added)
        try database.execute(
            prepared: """
                INSERT INTO tax_quarters (user_id, quarter, currency, category, total, entries)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[])
                ON CONFLICT (user_id, quarter, currency, category)
                DO UPDATE SET total = tax_quarters.total + excluded.total, entries = tax_quarters.entries + excluded.entries
                """,
            [
                totals.map(\.user), totals.map(\.quarter), totals.map(\.currency), totals.map(\.category), totals.map(\.total),
                totals.map(\.entries),
            ])
        return BatchEffects(alreadyApplied: Set(entries.map(\.eventId)).subtracting(added.map(\.eventId)))
    }

    /// Read per batch (two small queries), so a new rule applies without a restart.
    private func loadCategories(_ database: PostgresConnection) throws -> TaxCategories {
        let rules = try database.execute(
            prepared: "SELECT priority, kind, memo_pattern, payee_category, payer_category FROM tax_rules ORDER BY id")
        let parts = try database.execute(prepared: "SELECT part, category FROM tax_categories")
        var byPart: [TaxableAmount.Part: String?] = [:]
        for row in 0..<parts.count {
            if let part = TaxableAmount.Part(rawValue: try parts.decode(row, "part", as: String.self)) {
                byPart[part] = try parts.decode(row, "category", as: String?.self)
            }
        }
        return TaxCategories(
            paymentRules: TaxRules(
                try (0..<rules.count).map {
                    TaxRule(
                        priority: try rules.decode($0, "priority"), kind: try rules.decode($0, "kind"),
                        memoPattern: try rules.decode($0, "memo_pattern"),
                        payeeCategory: try rules.decode($0, "payee_category"), payerCategory: try rules.decode($0, "payer_category"))
                }), parts: byPart)
    }
}
