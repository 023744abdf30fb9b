import Foundation

/// Where Redis is, parsed from `redis://[[user]:password@]host:port/db`:
/// with a user, an ACL user's `AUTH user password`; without, the default user's.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: Int
    public var user: String?
    public var password: String?

    public init(host: String, port: Int = 6379, database: Int = 0, user: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
    }

    public init(url: String) throws(RedisError) {
        let invalid = { (why: String) in
            RedisError(.invalidArgument, operation: "parse Redis URL", endpoint: "-", detail: why)
        }
        guard let parts = URLComponents(string: url.trimmingCharacters(in: .whitespaces)), parts.scheme == "redis" else {
            throw invalid("expected redis://host:port/db")
        }
        guard let host = parts.host, !host.isEmpty else { throw invalid("the URL has no host") }
        let path = parts.path.drop { $0 == "/" }
        guard path.isEmpty || Int(path) != nil else { throw invalid("the database must be a number, not \"\(path)\"") }
        self.init(
            host: host, port: parts.port ?? 6379, database: Int(path) ?? 0,
            user: parts.user.flatMap { $0.isEmpty ? nil : $0 }, password: parts.password.flatMap { $0.isEmpty ? nil : $0 })
        if user != nil && password == nil { throw invalid("the URL names user \(user ?? "") without a password") }
    }

    /// The URL this endpoint parses from, password included: for a child
    /// process's environment, never for logs.
    public var url: String {
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        let secret = password.map { "\(user.map(encode) ?? ""):\(encode($0))@" } ?? ""
        return "redis://\(secret)\(host):\(port)/\(database)"
    }

    /// `host:port`; the password never appears.
    public var description: String { "\(host):\(port)" }
}
