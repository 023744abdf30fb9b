import AMQPClient
import Domain
import Foundation
import PostgresClient

/// The durable record of dead letters (`dead_letters`, migration 0019): the
/// dead letter itself, of which the copy in a dead-letter queue is only a
/// way in. Written by the worker that dead-letters a message (in the
/// transaction of its failure) and by the intake for a message that reached
/// a dead-letter queue another way; read by every listing, the money gauge,
/// the dry run and replay, so reading never touches a queue.
public enum DeadLetterRecords {
    /// A message as it goes to (or came from) the dead-letter queue `queue`.
    public struct Entry: Sendable {
        public let letterId: String
        public let queue: String
        public let message: AMQPMessage

        public init(letterId: String, queue: String, message: AMQPMessage) {
            (self.letterId, self.queue, self.message) = (letterId, queue, message)
        }

        /// A copy taken from a dead-letter queue, under the id its worker gave
        /// it or, for a message that arrived another way, a digest of its
        /// queue, properties and body (a redelivered copy gets the same id:
        /// the broker's delivery count is left out).
        public init(arrived message: AMQPMessage, queue: String) {
            if let id = message.properties.headers[MessageHeader.deadLetterId]?.stringValue {
                self.init(letterId: id, queue: queue, message: message)
                return
            }
            var properties = message.properties
            properties.headers[MessageHeader.deliveryCount] = nil
            let text = (try? StoredProperties.encode(properties)) ?? ""
            self.init(
                letterId: "arrived-" + ContentDigest.of(Array("\(queue)\n\(text)\n".utf8) + message.body), queue: queue, message: message)
        }
    }

    /// A held dead letter and its message, as it will be published again.
    public struct Held: Sendable {
        public let letter: DeadLetter
        public let message: AMQPMessage
    }

    /// Records each entry once: an id recorded before is left as it is (the
    /// intake meets the worker's own copies). Returns how many were new.
    @discardableResult
    public static func record(_ entries: [Entry], consumer: String?, in db: PostgresConnection) throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let letters = entries.map { DeadLetter($0.message, letterId: $0.letterId, queue: $0.queue) }
        let rows = try db.execute(
            prepared: """
                INSERT INTO dead_letters (letter_id, queue, origin_queue, consumer, message_id, type, error_class, fingerprint,
                                          money_minor_units, money_currency, body, properties)
                SELECT l.id, l.queue, l.origin, $1, l.message_id, l.type, l.class, l.fingerprint,
                       NULLIF(l.minor, '')::int8, NULLIF(l.currency, ''), decode(l.body, 'hex'), l.properties
                FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                            $10::text[], $11::text[], $12::text[])
                     AS l(id, queue, origin, message_id, type, class, fingerprint, minor, currency, body, properties)
                ON CONFLICT (letter_id) DO NOTHING
                RETURNING 1
                """,
            [
                consumer, entries.map(\.letterId.storableInPostgres), entries.map(\.queue.storableInPostgres),
                letters.map(\.originQueue.storableInPostgres), letters.map(\.id.storableInPostgres),
                letters.map(\.type.storableInPostgres), letters.map(\.errorClass.storableInPostgres), letters.map(\.fingerprint),
                letters.map { $0.money.map { String($0.minorUnits) } ?? "" }, letters.map { $0.money?.currency.storableInPostgres ?? "" },
                entries.map { Hex.encode($0.message.body) }, try entries.map { try StoredProperties.encode($0.message.properties) },
            ])
        return rows.count
    }

    /// The dead letters `queue` holds (not replayed, not purged), oldest first.
    public static func held(in queue: String, _ db: PostgresConnection, now: Date = Date()) throws -> [Held] {
        let rows = try db.execute(
            prepared: """
                SELECT letter_id, encode(body, 'hex') AS body, properties, (extract(epoch FROM recorded_at) * 1000)::int8 AS recorded_ms
                FROM dead_letters WHERE queue = $1 AND state = 'held' ORDER BY recorded_at, letter_id
                """, [queue])
        return try (0..<rows.count).map { row in
            let id: String = try rows.decode(row, "letter_id")
            guard let body = Hex.decode(try rows.decode(row, "body")) else { throw RecordError("dead letter \(id): its body is not hex") }
            let message = AMQPMessage(body: body, properties: try StoredProperties.decode(try rows.decode(row, "properties")))
            let recordedAt = Date(timeIntervalSince1970: Double(try rows.decode(row, "recorded_ms", as: Int64.self)) / 1000)
            return Held(letter: DeadLetter(message, letterId: id, queue: queue, recordedAt: recordedAt, now: now), message: message)
        }
    }

    /// Marks held letters replayed to `target` by `actor`; returns how many.
    @discardableResult
    public static func markReplayed(_ letterIds: [String], to target: String, by actor: String, in db: PostgresConnection) throws -> Int {
        try db.execute(
            prepared: """
                UPDATE dead_letters SET state = 'replayed', resolved_at = now(), resolved_by = $2, replayed_to = $3
                WHERE letter_id = ANY($1::text[]) AND state = 'held' RETURNING 1
                """, [letterIds, actor.storableInPostgres, target.storableInPostgres]
        ).count
    }

    /// Purges held letters: the message is dropped, a tombstone stays (who,
    /// when, the id, type, error class and money it held); returns how many.
    @discardableResult
    public static func purge(_ letterIds: [String], by actor: String, in db: PostgresConnection) throws -> Int {
        try db.execute(
            prepared: """
                UPDATE dead_letters SET state = 'purged', resolved_at = now(), resolved_by = $2, body = '', properties = '{}'
                WHERE letter_id = ANY($1::text[]) AND state = 'held' RETURNING 1
                """, [letterIds, actor.storableInPostgres]
        ).count
    }

    /// What the held letters of each dead-letter queue count and would move.
    public struct Holding: Sendable, Equatable {
        public var count = 0
        /// Minor units by currency, positive amounts only; a sum past
        /// Int64 stays at its maximum.
        public var money: [String: Int64] = [:]

        public init() {}
    }

    public static func holdings(_ db: PostgresConnection) throws -> [String: Holding] {
        let rows = try db.execute(
            prepared: """
                SELECT queue, coalesce(money_currency, '') AS currency, count(*)::int8 AS letters,
                       least(coalesce(sum(money_minor_units) FILTER (WHERE money_minor_units > 0), 0), 9223372036854775807)::int8 AS money
                FROM dead_letters WHERE state = 'held' GROUP BY 1, 2
                """, [])
        var holdings: [String: Holding] = [:]
        for row in 0..<rows.count {
            let (queue, currency): (String, String) = (try rows.decode(row, "queue"), try rows.decode(row, "currency"))
            holdings[queue, default: Holding()].count += Int(try rows.decode(row, "letters", as: Int64.self))
            let amount: Int64 = try rows.decode(row, "money")
            guard !currency.isEmpty, amount > 0 else { continue }
            holdings[queue, default: Holding()].money[currency] = amount
        }
        return holdings
    }
}

public struct RecordError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
