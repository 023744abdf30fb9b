import CPostgres
import Foundation

/// One libpq connection, owned: closed with PQfinish in deinit.
///
/// Not thread-safe by design: it belongs to one thread (a worker lane or the
/// CLI's main thread); blocking libpq calls never run on Swift's
/// cooperative pool.
public final class PostgresConnection {
    private let connection: OpaquePointer
    /// `host:port` list of the connection string, for error messages.
    public let server: String
    private var preparedNames: [String: String] = [:]

    /// Connects by a libpq connection string or URI, including libpq's
    /// multi-host forms (`host=a,b port=1,2`, `postgresql://a:1,b:2/db`,
    /// `target_session_attrs=read-write`). `connectTimeout` (seconds) applies
    /// unless the string sets its own `connect_timeout`.
    public init(_ connectionString: String, connectTimeout: Int = 5, applicationName: String = "flexfin") throws(PostgresError) {
        let server = try Self.servers(in: connectionString)
        // Keywords are applied in order; the expanded `dbname` string comes
        // after our defaults so its own values override them.
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = [String(connectTimeout), applicationName, connectionString]
        let connection = withCStrings(keywords) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let connection else {
            throw PostgresError(.unableToConnect, operation: "connect", server: server, message: "out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            let state: PostgresError.SQLState =
                message.contains("password authentication failed") ? .invalidPassword : .unableToConnect
            throw PostgresError(state, operation: "connect", server: server, message: message)
        }
        // libpq prints server NOTICEs to stderr by default; they are not
        // errors and would clutter every tool's output.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        self.connection = connection
        self.server = server
    }

    deinit { PQfinish(connection) }

    public var isConnected: Bool { PQstatus(connection) == CONNECTION_OK }

    /// Runs one statement with `$1…$n` parameters bound separately.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresBindable] = []) throws(PostgresError) -> PostgresRows {
        let result = try withWire(parameters, "query") { count, values, lengths, formats in
            PQexecParams(connection, sql, count, nil, values, lengths, formats, 0)
        }
        return try check(result, "query")
    }

    /// Runs a statement prepared once per connection (by its SQL text) and
    /// reused: the plan is parsed once, not per call.
    @discardableResult
    public func execute(prepared sql: String, _ parameters: [any PostgresBindable] = []) throws(PostgresError) -> PostgresRows {
        let name = try preparedName(for: sql, parameterCount: parameters.count)
        let result = try withWire(parameters, "execute prepared") { count, values, lengths, formats in
            PQexecPrepared(connection, name, count, values, lengths, formats, 0)
        }
        return try check(result, "execute prepared")
    }

    /// Calls `body` with the parameters as libpq takes them (values, their
    /// lengths and formats), in C memory that lives for the call. A value
    /// holding U+0000 is refused, as PostgreSQL's text refuses it, naming
    /// the parameter.
    private func withWire<R>(
        _ parameters: [any PostgresBindable], _ operation: String,
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
    )
        throws(PostgresError) -> R
    {
        var values: [UnsafePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        defer { values.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        for (index, parameter) in parameters.enumerated() {
            switch parameter.postgresParameter {
            case .null:
                values.append(nil)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                values.append(UnsafePointer(strdup(text)))
                lengths.append(0)
                formats.append(0)
            case .binary(let bytes):
                let copy = malloc(max(bytes.count, 1))!
                bytes.withUnsafeBytes { if let source = $0.baseAddress { copy.copyMemory(from: source, byteCount: $0.count) } }
                values.append(UnsafePointer(copy.assumingMemoryBound(to: CChar.self)))
                lengths.append(Int32(bytes.count))
                formats.append(1)
            case .holdsNUL:
                throw PostgresError(
                    .characterNotInRepertoire, operation: operation, server: server,
                    message: "parameter $\(index + 1) contains U+0000, which PostgreSQL text cannot store")
            }
        }
        return (values + [nil]).withUnsafeBufferPointer { pointers in
            lengths.withUnsafeBufferPointer { lengths in
                formats.withUnsafeBufferPointer { formats in
                    body(Int32(parameters.count), pointers.baseAddress!, lengths.baseAddress, formats.baseAddress)
                }
            }
        }
    }

    private func preparedName(for sql: String, parameterCount: Int) throws(PostgresError) -> String {
        if let name = preparedNames[sql] { return name }
        let name = "flexfin_\(preparedNames.count + 1)"
        _ = try check(PQprepare(connection, name, sql, Int32(parameterCount), nil), "prepare")
        preparedNames[sql] = name
        return name
    }

    /// Runs several statements with no parameters (the simple query
    /// protocol). Only for trusted SQL such as migrations.
    public func execute(script: String) throws(PostgresError) {
        _ = try check(PQexec(connection, script), "execute script")
    }

    /// Runs `body` in one transaction: COMMIT when it returns, ROLLBACK when
    /// it throws (the error is rethrown unchanged).
    public func transaction<T>(
        _ isolation: IsolationLevel = .readCommitted,
        _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        try query("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
        let value: T
        do {
            value = try body(self)
        } catch {
            if PQtransactionStatus(connection) != PQTRANS_IDLE { _ = try? query("ROLLBACK") }
            throw error
        }
        do {
            try query("COMMIT")
        } catch {
            // A COMMIT that failed has ended the transaction (or the
            // connection); nothing is left to roll back.
            throw PostgresError(
                error.sqlState, operation: "commit", server: server, message: error.message,
                constraint: error.constraint, table: error.table)
        }
        return value
    }

    /// Runs `body` in a transaction that is always rolled back: what the
    /// statements would do, with nothing kept.
    public func rolledBackTransaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try query("BEGIN")
        defer { if PQtransactionStatus(connection) != PQTRANS_IDLE { _ = try? query("ROLLBACK") } }
        return try body(self)
    }

    /// Runs `body` inside the current transaction under a savepoint: kept
    /// when it returns, undone alone (the transaction goes on) when it throws.
    /// Savepoints nest: each is released either way, so an enclosing one's
    /// rollback goes back to its own start, not to an inner one's.
    public func savepoint<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try query("SAVEPOINT flexfin_savepoint")
        do {
            let value = try body(self)
            try query("RELEASE SAVEPOINT flexfin_savepoint")
            return value
        } catch {
            // The body's error is the one that explains what happened; a
            // failed rollback (a lost connection) surfaces on the next statement.
            if (try? query("ROLLBACK TO SAVEPOINT flexfin_savepoint")) != nil { _ = try? query("RELEASE SAVEPOINT flexfin_savepoint") }
            throw error
        }
    }

    // MARK: - Status codes to typed errors

    private func check(_ result: OpaquePointer?, _ operation: String) throws(PostgresError) -> PostgresRows {
        let rows = PostgresRows(result)
        let status = PQresultStatus(result)
        if result != nil, status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY {
            return rows
        }
        func field(_ code: Character) -> String? {
            guard let result, let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        if let state = field("C") {
            throw PostgresError(
                .init(state), operation: operation, server: server,
                message: field("M") ?? "error", constraint: field("n"), table: field("t"))
        }
        // No SQLSTATE: libpq itself failed, almost always a lost connection.
        let state: PostgresError.SQLState = isConnected ? .unableToConnect : .connectionFailure
        throw PostgresError(state, operation: operation, server: server, message: Self.trimmed(PQerrorMessage(connection)))
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unknown error"
    }

    /// `host:port[,host:port…]` from a connection string, so errors name
    /// the servers without repeating the string (which holds the password).
    static func servers(in connectionString: String) throws(PostgresError) -> String {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &error) else {
            let message = error.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "cannot parse"
            PQfreemem(error)
            throw PostgresError(
                .invalidConnectionString, operation: "parse connection string", server: "-",
                message: message)
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        let hosts = (values["host"] ?? values["hostaddr"] ?? "localhost").split(separator: ",", omittingEmptySubsequences: false)
        let ports = (values["port"] ?? "5432").split(separator: ",", omittingEmptySubsequences: false)
        return hosts.enumerated().map { index, host in
            let port = ports.count == 1 ? ports[0] : (index < ports.count ? ports[index] : "5432")
            return "\(host.isEmpty ? "localhost" : host):\(port.isEmpty ? "5432" : port)"
        }.joined(separator: ",")
    }
}

/// Calls `body` with a C array of C strings, NULL-terminated, that lives for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { UnsafePointer(strdup($0)) }
    defer { duplicates.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return (duplicates + [nil]).withUnsafeBufferPointer { body($0.baseAddress!) }
}
