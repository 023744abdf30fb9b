import CPostgres

/// The rows of one result. Owns libpq's PGresult and frees it in deinit;
/// values are read in text format and converted on access.
public final class PostgresRows {
    private let result: OpaquePointer?

    init(_ result: OpaquePointer?) { self.result = result }

    deinit { PQclear(result) }

    public var count: Int { Int(PQntuples(result)) }
    public var isEmpty: Bool { count == 0 }
    /// Rows changed by INSERT/UPDATE/DELETE.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    public var columns: [String] {
        (0..<Int32(PQnfields(result))).map { String(cString: PQfname(result, $0)) }
    }

    /// The value at (row, column) as text, nil for NULL.
    public func string(_ row: Int, _ column: Int) -> String? {
        guard row < count, column < Int(PQnfields(result)),
              PQgetisnull(result, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    public func int64(_ row: Int, _ column: Int) -> Int64? { string(row, column).flatMap { Int64($0) } }
    public func int(_ row: Int, _ column: Int) -> Int? { string(row, column).flatMap { Int($0) } }
    public func bool(_ row: Int, _ column: Int) -> Bool? { string(row, column).map { $0 == "t" } }
}
