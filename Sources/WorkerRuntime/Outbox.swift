import AMQPClient
import Domain
import Foundation
import PostgresClient

/// Events follow effects: rows written in the effects' transaction, then
/// published with confirms after commit, then deleted once confirmed (the
/// outbox is a queue; the audit log keeps every event). A row is an
/// `EventBundle`, published as one message. Rows left behind by a crash are
/// published again by `relayStale`; consumers deduplicate by event id, so a
/// second publish is harmless.
struct Outbox {
    struct Entry {
        /// The bundle's AMQP `message_id`, and the row's key.
        let messageId: String
        let type: String
        let body: [UInt8]
        let events: Int
        /// Milliseconds since 1970 of its earliest event, for the `x-occurred-at` header.
        let occurredAt: Int64
    }

    let exchange: String

    static func entries(_ events: [DomainEvent]) -> [Entry] {
        let iso = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return EventBundle.bundles(events).map {
            let occurred = (try? iso.parse($0.occurredAt)) ?? Date()
            return Entry(
                messageId: RandomUUID.lowercased(), type: $0.type.rawValue, body: $0.body, events: $0.count,
                occurredAt: Int64(occurred.timeIntervalSince1970 * 1000))
        }
    }

    /// Inside the batch transaction.
    static func insert(_ entries: [Entry], in database: PostgresConnection) throws {
        guard !entries.isEmpty else { return }
        try database.execute(
            prepared: """
                INSERT INTO outbox (message_id, event_type, events, body)
                SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::text[])
                """,
            [
                entries.map(\.messageId), entries.map(\.type), entries.map(\.events),
                entries.map { String(decoding: $0.body, as: UTF8.self) },
            ])
    }

    /// Publishes and returns each entry with its confirm sequence number;
    /// the caller marks them published once confirmed.
    @discardableResult
    func publish(_ entries: [Entry], on broker: any BrokerSession) throws -> [(sequence: UInt64, entry: Entry)] {
        let now = UInt64(Date().timeIntervalSince1970)
        var published: [(sequence: UInt64, entry: Entry)] = []
        for entry in entries {
            let properties = AMQPProperties(
                contentType: EventBundle.contentType, messageId: entry.messageId, type: entry.type, persistent: true, timestamp: now,
                headers: [
                    MessageHeader.schemaVersion: 1, MessageHeader.occurredAt: .int(entry.occurredAt),
                    MessageHeader.eventCount: .int(Int64(entry.events)),
                ])
            let sequence = try broker.publishEvent(
                AMQPMessage(body: entry.body, properties: properties), exchange: exchange,
                routingKey: entry.type)
            published.append((sequence, entry))
        }
        return published
    }

    /// Confirmed by the broker: the row's work is done. A delete leaves no
    /// new row version or index entries behind, unlike an update.
    static func markPublished(_ entries: [Entry], in database: PostgresConnection) throws {
        guard !entries.isEmpty else { return }
        try database.execute(prepared: "DELETE FROM outbox WHERE message_id = ANY($1::text[])", [entries.map(\.messageId)])
    }

    /// Publishes rows older than `age` that are still unpublished (their
    /// worker died between commit and confirm). SKIP LOCKED lets several
    /// relays share the work without publishing the same row twice.
    func relayStale(olderThan age: Int, database: PostgresConnection, broker: any BrokerSession) throws -> Int {
        try relay(where: "created_at < now() - make_interval(secs => $1)", [age], database: database, broker: broker)
    }

    /// Publishes again the rows of `messageIds` still in the outbox (a relay
    /// may have taken some meanwhile).
    func relay(_ messageIds: [String], database: PostgresConnection, broker: any BrokerSession) throws -> Int {
        try relay(where: "message_id = ANY($1::text[])", [messageIds], database: database, broker: broker)
    }

    /// Up to 1,000 rows at a time, confirmed, then deleted in the same transaction.
    private func relay(
        where condition: String, _ parameters: [any PostgresBindable], database: PostgresConnection,
        broker: any BrokerSession
    ) throws -> Int {
        try database.transaction { db in
            let rows = try db.execute(
                prepared: """
                    SELECT message_id, event_type, events, body, (extract(epoch FROM created_at) * 1000)::int8 AS created_ms FROM outbox
                    WHERE \(condition)
                    ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED
                    """, parameters)
            let entries = try (0..<rows.count).map { row in
                try Entry(
                    messageId: rows.decode(row, "message_id"), type: rows.decode(row, "event_type"),
                    body: Array(rows.decode(row, "body", as: String.self).utf8), events: rows.decode(row, "events"),
                    occurredAt: rows.decode(row, "created_ms"))
            }
            try publish(entries, on: broker)
            try broker.waitForEventConfirms()
            try Self.markPublished(entries, in: db)
            return entries.reduce(0) { $0 + $1.events }
        }
    }
}
