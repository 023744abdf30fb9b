import Domain
import Foundation
import PostgresClient
import RedisClient
import Settings

/// A command's status as a producer asks for it (`flexfin status`, the HTTP
/// API): the cache when it holds a final answer, else PostgreSQL, which holds
/// the durable one: the inbox (applied, rejected), conflicts, and the last
/// failure (retrying, dead-lettered).
public enum CommandStatusLookup {
    public struct Answer: Sendable {
        public let status: CommandStatus
        /// `cache` or `database`.
        public let source: String
    }

    /// nil when neither store knows the id. Throws only when PostgreSQL is
    /// needed and cannot be reached and the cache knows nothing.
    public static func find(_ id: String, settings: ServiceSettings) throws -> Answer? {
        try find(id, cache: try? settings.connectCache(), database: settings.connectDatabase)
    }

    /// The same, on connections the caller holds (the HTTP API's).
    public static func find(_ id: String, cache: RedisConnection?, database: () throws -> PostgresConnection) throws -> Answer? {
        let cached = (try? cache?.command(["GET", CommandStatus.key(id)]).string)
            .flatMap { $0 }.flatMap(CommandStatus.init(cached:))
        if let cached, cached.isFinal { return Answer(status: cached, source: "cache") }
        let durable: CommandStatus?
        do {
            durable = try find(id, in: database())
        } catch {
            guard let cached else { throw error }
            return Answer(status: cached, source: "cache")  // PostgreSQL away: the best there is
        }
        if let durable { return Answer(status: durable, source: "database") }
        return cached.map { Answer(status: $0, source: "cache") }
    }

    /// Event consumers keep no inbox rows of their own; this excludes old ones.
    private static let commandConsumers =
        "consumer NOT IN (\(Consumer.allCases.filter { !$0.consumesCommands }.map { "'\($0.rawValue)'" }.joined(separator: ", ")))"

    static func find(_ id: String, in database: PostgresConnection) throws -> CommandStatus? {
        let rows = try database.query(
            """
            SELECT i.outcome, i.reason, \(iso("i.received_at")) AS received_at,
                   (SELECT count(*) FROM command_conflicts c WHERE c.message_id = $1 AND c.\(commandConsumers)) AS conflicts,
                   (SELECT \(iso("max(c.refused_at)")) FROM command_conflicts c WHERE c.message_id = $1 AND c.\(commandConsumers))
                     AS last_conflict_at,
                   f.state, f.queue, f.attempts, f.error_class, f.error,
                   \(iso("f.next_attempt_at")) AS next_attempt_at, \(iso("f.failed_at")) AS failed_at
            FROM (SELECT 1) AS one
            LEFT JOIN inbox i ON i.message_id = $1 AND i.\(commandConsumers)
            LEFT JOIN command_failures f ON f.message_id = $1 AND f.\(commandConsumers)
            LIMIT 1
            """, [id])
        let outcome = try rows.decode(0, "outcome", as: String?.self)
        let conflicts = try rows.decode(0, "conflicts", as: Int.self)
        if conflicts > 0 {
            let first = try outcome.map { "\($0)\(try rows.decode(0, "reason", as: String?.self).map { ": \($0)" } ?? "")" }
            return CommandStatus(
                .conflict, at: try rows.decode(0, "last_conflict_at"),
                reason: """
                    \(conflicts) command(s) with other content reused this id and were refused, nothing of them applied; \
                    the id's first command: \(first ?? "not yet decided")
                    """)
        }
        if let outcome, let state = CommandStatus.State(rawValue: outcome) {
            return CommandStatus(
                state, at: try rows.decode(0, "received_at"),
                reason: try rows.decode(0, "reason", as: String?.self))
        }
        guard let failure = try rows.decode(0, "state", as: String?.self), let state = CommandStatus.State(rawValue: failure) else {
            return try approval(id, in: database)
        }
        return CommandStatus(
            state, at: try rows.decode(0, "failed_at"), attempts: try rows.decode(0, "attempts"),
            errorClass: try rows.decode(0, "error_class"), error: try rows.decode(0, "error"),
            queue: try rows.decode(0, "queue"),
            nextAttemptAt: try rows.decode(0, "next_attempt_at"))
    }

    /// A command held above its key's ceiling (`command_approvals`), while
    /// it waits or once declined; an approved one is published, and its
    /// worker's status says the rest.
    private static func approval(_ id: String, in database: PostgresConnection) throws -> CommandStatus? {
        let rows = try database.execute(
            prepared: """
                SELECT decision, reason, submitted_by_name, decided_by_name, amount, currency, ceiling,
                       \(iso("held_at")) AS held_at, \(iso("decided_at")) AS decided_at
                FROM command_approvals WHERE command_id = $1 AND decision IS DISTINCT FROM 'approved'
                """, [id])
        guard rows.count == 1 else { return nil }
        let currency = try rows.decode(0, "currency", as: String.self)
        let amount = Money.text(try rows.decode(0, "amount", as: Int64.self), currency)
        let ceiling = Money.text(try rows.decode(0, "ceiling", as: Int64.self), currency)
        guard let decider = try rows.decode(0, "decided_by_name", as: String?.self) else {
            return CommandStatus(
                .pendingApproval, at: try rows.decode(0, "held_at"),
                reason: """
                    \(amount) is above key \(try rows.decode(0, "submitted_by_name", as: String.self))'s ceiling of \(ceiling): \
                    it waits for an operator's approval with another key
                    """)
        }
        let why = try rows.decode(0, "reason", as: String?.self).map { ": \($0)" } ?? ""
        return CommandStatus(.declined, at: try rows.decode(0, "decided_at"), reason: "declined by \(decider)\(why); never published")
    }

    /// ISO 8601 in UTC, like the cache's timestamps, whatever the session's time zone.
    private static func iso(_ column: String) -> String {
        #"to_char(\#(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#
    }
}
