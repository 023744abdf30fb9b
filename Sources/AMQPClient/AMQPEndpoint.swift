import Foundation

/// One broker address with its credentials, parsed from
/// `amqp://user:password@host:port/vhost`.
public struct AMQPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String

    public init(host: String, port: Int = 5672, user: String = "guest", password: String = "guest", vhost: String = "/") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.vhost = vhost
    }

    /// Parses one URL. The vhost is the percent-decoded path without its
    /// leading slash (`/%2F` is the vhost `/`); no path means `/`.
    public init(url: String) throws(AMQPError) {
        let invalid = { (why: String) in
            AMQPError(.invalidArgument, operation: "parse AMQP URL", endpoint: "-", detail: why)
        }
        guard let parts = URLComponents(string: url.trimmingCharacters(in: .whitespaces)),
            parts.scheme == "amqp"
        else {
            throw invalid("expected amqp://user:password@host:port/vhost")
        }
        guard let host = parts.host, !host.isEmpty else { throw invalid("the URL has no host") }
        self.host = host
        self.port = parts.port ?? 5672
        self.user = parts.user ?? "guest"
        self.password = parts.password ?? "guest"
        let path = parts.path
        self.vhost = path.isEmpty || path == "/" ? "/" : String(path.dropFirst())
    }

    /// Several comma-separated URLs, tried in order when connecting.
    public static func list(_ urls: String) throws(AMQPError) -> [AMQPEndpoint] {
        var endpoints: [AMQPEndpoint] = []
        for url in urls.split(separator: ",") { endpoints.append(try AMQPEndpoint(url: String(url))) }
        guard !endpoints.isEmpty else {
            throw AMQPError(.invalidArgument, operation: "parse AMQP URL", endpoint: "-", detail: "no URL given")
        }
        return endpoints
    }

    /// The URL this endpoint parses from, credentials included: for a child
    /// process's environment, never for logs.
    public var url: String {
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        return "amqp://\(encode(user)):\(encode(password))@\(host):\(port)/\(encode(vhost))"
    }

    /// `host:port`: what errors and logs show. Credentials never appear.
    public var description: String { "\(host):\(port)" }
}
