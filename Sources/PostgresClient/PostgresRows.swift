import CPostgres

/// The rows of one result. Owns libpq's PGresult and frees it in deinit;
/// values are read in text format and converted on access.
public final class PostgresRows {
    private let result: OpaquePointer?

    /// The select list's names, in order (read once: a name is compared on every decode by name).
    public let columns: [String]

    init(_ result: OpaquePointer?) {
        self.result = result
        columns = (0..<Int32(PQnfields(result))).map { String(cString: PQfname(result, $0)) }
    }

    deinit { PQclear(result) }

    public var count: Int { Int(PQntuples(result)) }
    public var isEmpty: Bool { count == 0 }
    /// Rows changed by INSERT/UPDATE/DELETE.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    /// The value at (row, column) decoded as `T`. Throws, naming the
    /// column (never the value), when it is NULL and `T` is not optional,
    /// when it is not a `T`, or when there is no such row or column: one bad
    /// row is an error for its batch, not a crash of every lane.
    /// Inlinable, so each caller gets it specialized to its `T`: called
    /// generically across the module boundary, every value cost a runtime
    /// lookup of `T?`'s metadata (a seventh of the risk worker's samples).
    @inlinable
    public func decode<T: PostgresDecodable>(_ row: Int, _ column: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let text = try text(row, column) else {
            if let null = T.postgresNull { return null }
            throw decodingError("column '\(name(column))' of row \(row) is NULL where \(T.self) was expected")
        }
        guard let value = T(postgresText: text) else {
            throw decodingError("column '\(name(column))' of row \(row) is not a \(T.self)")
        }
        return value
    }

    /// The value as text, nil for NULL; throws when there is no such cell.
    @usableFromInline
    func text(_ row: Int, _ column: Int) throws(PostgresError) -> String? {
        guard holds(row, column) else {
            throw decodingError("row \(row), column \(column) is out of range (\(count) rows, \(PQnfields(result)) columns)")
        }
        return value(row, column)
    }

    /// A column's name, for errors only (a String made per value cost as much as the value).
    @usableFromInline
    func name(_ column: Int) -> String { String(cString: PQfname(result, Int32(column))) }

    /// The same, by the column's name in the query's select list (its
    /// alias where it has one): a query's columns can then change order
    /// without its readers changing.
    @inlinable
    public func decode<T: PostgresDecodable>(_ row: Int, _ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        try decode(row, self.column(column), as: type)
    }

    /// A column's position by its name: a loop over many rows may look it
    /// up once and decode by position. A scan of the few names, not a hash:
    /// names of up to 15 bytes compare as two words.
    @inlinable
    public func column(_ column: String) throws(PostgresError) -> Int {
        guard let index = columns.firstIndex(of: column) else {
            throw decodingError("no column '\(column)' in the result (\(columns.joined(separator: ", ")))")
        }
        return index
    }

    @usableFromInline
    func decodingError(_ message: String) -> PostgresError {
        PostgresError(.dataException, operation: "decode row", server: "-", message: message)
    }

    /// The value at (row, column) as text, nil for NULL.
    public func string(_ row: Int, _ column: Int) -> String? {
        holds(row, column) ? value(row, column) : nil
    }

    private func holds(_ row: Int, _ column: Int) -> Bool { row < count && column < Int(PQnfields(result)) }

    /// The cell's text, nil for NULL; the cell must exist (checked once, by the caller).
    private func value(_ row: Int, _ column: Int) -> String? {
        guard PQgetisnull(result, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    // Shorthands for tests and counts: nil for NULL and for a value that is
    // not of the type alike. Code that relies on a value uses `decode`.
    public func int64(_ row: Int, _ column: Int) -> Int64? { string(row, column).flatMap { Int64($0) } }
    public func int(_ row: Int, _ column: Int) -> Int? { string(row, column).flatMap { Int($0) } }
    public func bool(_ row: Int, _ column: Int) -> Bool? { string(row, column).flatMap { Bool(postgresText: $0) } }
}
