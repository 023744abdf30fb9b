/// A failure of the PostgreSQL wrapper, with the SQLSTATE the server (or
/// libpq, for connection failures) gave. The description names the
/// operation, the server(s) and the constraint or table involved, never
/// bound values or passwords.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// A five-character SQLSTATE. A struct, not an enum: the list is open.
    public struct SQLState: Hashable, Sendable, CustomStringConvertible {
        public let code: String
        public init(_ code: String) { self.code = code }
        public var description: String { code }
        /// The two-character class, e.g. "23" for integrity violations.
        public var errorClass: String { String(code.prefix(2)) }

        public static let uniqueViolation = SQLState("23505")
        public static let foreignKeyViolation = SQLState("23503")
        public static let checkViolation = SQLState("23514")
        public static let serializationFailure = SQLState("40001")
        public static let deadlockDetected = SQLState("40P01")
        public static let unableToConnect = SQLState("08001")
        public static let connectionFailure = SQLState("08006")
        public static let invalidPassword = SQLState("28P01")
        public static let invalidConnectionString = SQLState("08P01")
        public static let adminShutdown = SQLState("57P01")
        public static let cannotConnectNow = SQLState("57P03")
        public static let queryCanceled = SQLState("57014")
        public static let lockNotAvailable = SQLState("55P03")
        /// A value not of the type expected (also: a row that would not decode).
        public static let dataException = SQLState("22000")
        /// What PostgreSQL says of a U+0000 in text.
        public static let characterNotInRepertoire = SQLState("22021")
    }

    public let sqlState: SQLState
    /// What was attempted: `connect`, `query`, `prepare`, `commit`…
    public let operation: String
    /// `host:port` of the server(s) in the connection string.
    public let server: String
    public let message: String
    public let constraint: String?
    public let table: String?

    public init(
        _ sqlState: SQLState, operation: String, server: String, message: String,
        constraint: String? = nil, table: String? = nil
    ) {
        self.sqlState = sqlState
        self.operation = operation
        self.server = server
        self.message = message
        self.constraint = constraint
        self.table = table
    }

    /// Transient: the same work may succeed if tried again (connection lost,
    /// server starting or shutting down, deadlock, serialization failure).
    /// Integrity violations (23xxx), bad SQL and bad credentials are not.
    public var isRetryable: Bool {
        if sqlState.errorClass == "08" { return sqlState != .invalidConnectionString }
        return [
            .serializationFailure, .deadlockDetected, .adminShutdown, .cannotConnectNow,
            .lockNotAvailable, SQLState("57P02"), SQLState("53300"),
        ].contains(sqlState)
    }

    public var description: String {
        var text = "PostgreSQL \(operation) at \(server) failed: SQLSTATE \(sqlState): \(message)"
        if let table { text += " (table \(table))" }
        if let constraint { text += " (constraint \(constraint))" }
        return text
    }
}
