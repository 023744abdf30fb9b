import Foundation

/// One broker address with its credentials, parsed from
/// `amqp://user:password@host:port/vhost`, or over TLS from
/// `amqps://…?cacertfile=/path/ca.pem` (RabbitMQ's URI query parameter).
public struct AMQPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String
    /// Set for `amqps`: the connection is TLS, and the broker's certificate
    /// must chain to this CA and name `host`.
    public var tls: TLS?

    public struct TLS: Sendable, Equatable {
        /// The PEM file of the certificate authorities trusted.
        public var caFile: String

        /// Debian's bundle of public authorities, for a URL that names none.
        public static let systemCAFile = "/etc/ssl/certs/ca-certificates.crt"

        public init(caFile: String = systemCAFile) { self.caFile = caFile }
    }

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
            parts.scheme == "amqp" || parts.scheme == "amqps"
        else {
            throw invalid("expected amqp://user:password@host:port/vhost or amqps://…?cacertfile=/path/ca.pem")
        }
        guard let host = parts.host, !host.isEmpty else { throw invalid("the URL has no host") }
        let query = parts.queryItems ?? []
        if let unknown = query.first(where: { $0.name != "cacertfile" }) {
            throw invalid("unknown URL parameter \"\(unknown.name)\"; the one understood is cacertfile (with amqps)")
        }
        let caFile = query.first { $0.name == "cacertfile" }?.value
        if parts.scheme == "amqps" {
            self.tls = TLS(caFile: caFile ?? TLS.systemCAFile)
        } else if caFile != nil {
            throw invalid("cacertfile is for amqps:// URLs; this one is plain amqp://")
        }
        self.host = host
        self.port = parts.port ?? (parts.scheme == "amqps" ? 5671 : 5672)
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
        let address = "\(encode(user)):\(encode(password))@\(host):\(port)/\(encode(vhost))"
        guard let tls else { return "amqp://" + address }
        return "amqps://\(address)?cacertfile=\(tls.caFile.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? tls.caFile)"
    }

    /// `host:port` (with `amqps` for TLS): what errors and logs show.
    /// Credentials never appear.
    public var description: String { tls == nil ? "\(host):\(port)" : "amqps \(host):\(port)" }
}
