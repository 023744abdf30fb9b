import Foundation

/// Where Redis is, parsed from `redis://[:password@]host:port/db`.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: Int
    public var password: String?

    public init(host: String, port: Int = 6379, database: Int = 0, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
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
            password: parts.password.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The URL this endpoint parses from, password included: for a child
    /// process's environment, never for logs.
    public var url: String {
        let secret = password.map { ":\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)@" } ?? ""
        return "redis://\(secret)\(host):\(port)/\(database)"
    }

    /// `host:port`; the password never appears.
    public var description: String { "\(host):\(port)" }
}
