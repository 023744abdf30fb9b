extension PostgresConnection {
    /// An insert whose rows are new but for a rare repeat (an event
    /// redelivered after a crash), keyed by a unique index: run as a plain
    /// INSERT, and only if a row already exists, again with `ON CONFLICT DO
    /// NOTHING`. A plain insert skips what ON CONFLICT costs every row: a
    /// probe of the index before the insert and a WAL record confirming it
    /// (measured on a notifications-like table: a quarter to a third of
    /// the insert's time, 16 % of its WAL). `insert` ends where `ON CONFLICT`
    /// would go and `returning` follows it; the rows returned are the ones
    /// inserted either way. Under a savepoint, so the failed first try
    /// leaves the transaction going.
    public func insertSkippingExisting(
        _ insert: String, returning: String,
        _ parameters: [any PostgresBindable]
    ) throws -> PostgresRows {
        do {
            return try savepoint { try $0.execute(prepared: "\(insert)\n\(returning)", parameters) }
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            return try execute(prepared: "\(insert)\nON CONFLICT DO NOTHING \(returning)", parameters)
        }
    }
}
