import Foundation
import PostgresClient

/// The durable record of commands that failed on their way to a retry tier
/// or a dead-letter queue, so their status survives Redis. Written before
/// they are routed: a crash in between costs a redelivery, never a command
/// that is somewhere no status says.
enum CommandFailures {
    struct Failure {
        let id: String
        let state: CommandStatus.State
        let queue: String
        let attempts: Int
        let errorClass: String
        let error: String
        /// Milliseconds until the retry, for `retrying`.
        let delay: Int?
    }

    static func record(_ failures: [Failure], consumer: String, in database: PostgresConnection) throws {
        // An id PostgreSQL text cannot hold was never a command (invalid at the door).
        let storable = failures.filter { !$0.id.utf8.contains(0) }
        guard !storable.isEmpty else { return }
        try database.execute(
            prepared: """
                INSERT INTO command_failures (consumer, message_id, state, queue, attempts, error_class, error, next_attempt_at)
                SELECT DISTINCT ON (f.id) $1, f.id, f.state, f.queue, f.attempts, f.class, f.error,
                       now() + make_interval(secs => f.delay / 1000.0)
                FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bigint[])
                     AS f(id, state, queue, attempts, class, error, delay)
                ON CONFLICT (consumer, message_id) DO UPDATE SET
                    state = excluded.state, queue = excluded.queue, attempts = excluded.attempts,
                    error_class = excluded.error_class, error = excluded.error,
                    next_attempt_at = excluded.next_attempt_at, failed_at = now()
                """,
            [
                consumer, storable.map(\.id), storable.map(\.state.rawValue), storable.map(\.queue), storable.map(\.attempts),
                storable.map(\.errorClass),
                // An error quoting hostile input may hold what text cannot.
                storable.map { String($0.error.prefix(1000)).storableInPostgres },
                storable.map(\.delay),
            ])
    }
}
