/// A value that can be bound to a `$n` parameter, sent in PostgreSQL's text
/// format. Values never become part of the SQL text.
public protocol PostgresBindable {
    /// The text form, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresBindable { public var postgresText: String? { self } }
extension Substring: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int64: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int32: PostgresBindable { public var postgresText: String? { String(self) } }
extension Bool: PostgresBindable { public var postgresText: String? { self ? "t" : "f" } }

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? { self?.postgresText }
}

/// Arrays bind as one array literal (`{…}`), which is what set-based
/// statements (`unnest($1::bigint[])`, `= ANY($1)`) take.
extension Array: PostgresBindable where Element: PostgresBindable {
    public var postgresText: String? {
        "{" + map { element in
            guard let text = element.postgresText else { return "NULL" }
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"" + escaped + "\""
        }.joined(separator: ",") + "}"
    }
}

import Foundation
