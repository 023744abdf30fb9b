import AMQPClient
import Foundation
import HTTPClient
import Settings

/// The RabbitMQ management HTTP API, for what AMQP cannot tell: unacked
/// counts, rates, bindings. Optional everywhere: callers fall back to AMQP.
/// Over https the broker's certificate is verified against the AMQP URL's
/// `cacertfile` (the broker's CA serves both), else the system's.
public struct ManagementAPI: Sendable {
    /// One per node of a cluster: any node answers for the whole cluster,
    /// so each is tried in order until one is reachable.
    public let baseURLs: [URL]
    let endpoint: AMQPEndpoint
    let timeout: TimeInterval

    /// Uses the AMQP endpoint's user, password and vhost.
    public init(baseURLs: [URL], endpoint: AMQPEndpoint, timeout: TimeInterval = 5) {
        precondition(!baseURLs.isEmpty, "a management API needs at least one URL")
        self.baseURLs = baseURLs
        self.endpoint = endpoint
        self.timeout = timeout
    }

    private var vhostPath: String { Self.encoded(endpoint.vhost) }

    /// Queue statistics by queue name.
    public func queues() throws -> [String: QueueDepth] {
        let rows = try get("/api/queues/\(vhostPath)?columns=name,messages_ready,messages_unacknowledged,consumers,message_stats")
        var result: [String: QueueDepth] = [:]
        for row in rows {
            guard let name = row["name"] as? String else { continue }
            let stats = row["message_stats"] as? [String: Any]
            func rate(_ key: String) -> Double? { (stats?[key] as? [String: Any])?["rate"] as? Double ?? (stats == nil ? nil : 0) }
            result[name] = QueueDepth(
                queue: name, exists: true, ready: row["messages_ready"] as? Int ?? 0,
                unacknowledged: row["messages_unacknowledged"] as? Int ?? 0, consumers: row["consumers"] as? Int ?? 0,
                publishRate: rate("publish_details"), deliverRate: rate("deliver_get_details"), ackRate: rate("ack_details"))
        }
        return result
    }

    /// What the broker holds for a queue: its type and arguments, and for
    /// a quorum queue the nodes it has members on and the one that leads.
    public struct QueueDefinition {
        public let type: String
        public let arguments: [String: Any]
        public var members: [String] = []
        public var leader: String?
    }

    public func queueDefinitions() throws -> [String: QueueDefinition] {
        let rows = try get("/api/queues/\(vhostPath)?columns=name,type,arguments,members,leader")
        var result: [String: QueueDefinition] = [:]
        for row in rows {
            guard let name = row["name"] as? String else { continue }
            result[name] = QueueDefinition(
                type: row["type"] as? String ?? "?", arguments: row["arguments"] as? [String: Any] ?? [:],
                members: row["members"] as? [String] ?? [], leader: row["leader"] as? String)
        }
        return result
    }

    /// The cluster's nodes by name, and whether each is running.
    public func clusterNodes() throws -> [(name: String, running: Bool)] {
        try get("/api/nodes?columns=name,running").compactMap { row in
            (row["name"] as? String).map { ($0, row["running"] as? Bool ?? false) }
        }.sorted { $0.name < $1.name }
    }

    public func bindings() throws -> Set<BrokerPlan.Binding> {
        let rows = try get("/api/bindings/\(vhostPath)")
        return Set(
            rows.compactMap { row -> BrokerPlan.Binding? in
                guard row["destination_type"] as? String == "queue", let source = row["source"] as? String, !source.isEmpty,
                    let queue = row["destination"] as? String, let key = row["routing_key"] as? String
                else { return nil }
                return BrokerPlan.Binding(queue: queue, exchange: source, routingKey: key)
            })
    }

    /// An open connection of this vhost: by the name its client gave it
    /// (`connection_name`), or the broker's own (`host:port -> …`) for a
    /// client that gave none; the user it logged in as; whether it is TLS.
    public struct Connection: Sendable, Equatable {
        public let name: String
        public let user: String
        public let tls: Bool
    }

    public func connections() throws -> [Connection] {
        try get("/api/vhosts/\(vhostPath)/connections?columns=name,client_properties,user,ssl").compactMap { row in
            guard let name = (row["client_properties"] as? [String: Any])?["connection_name"] as? String ?? row["name"] as? String
            else { return nil }
            return Connection(name: name, user: row["user"] as? String ?? "", tls: row["ssl"] as? Bool ?? false)
        }
    }

    /// A vhost's description, or nil when there is no such vhost.
    public func vhostDescription(_ vhost: String) throws -> String?? {
        guard let data = try send("GET", "/api/vhosts/\(Self.encoded(vhost))", allowing: [404]) else { return nil }
        return .some((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["description"] as? String)
    }

    /// Creates a vhost (or updates its description) and gives the API's
    /// user every permission on it.
    public func createVhost(_ vhost: String, description: String) throws {
        let body = try JSONSerialization.data(withJSONObject: ["description": description])
        _ = try send("PUT", "/api/vhosts/\(Self.encoded(vhost))", body: body)
        try set(BrokerPermissions(configure: ".*", write: ".*", read: ".*"), for: endpoint.user, in: vhost)
    }

    /// Sets `user`'s permissions in this vhost; nothing when the broker has
    /// no such user (its processes log in as another).
    public func grant(_ permissions: BrokerPermissions, to user: String) throws {
        guard try send("GET", "/api/users/\(Self.encoded(user))", allowing: [404]) != nil else { return }
        try set(permissions, for: user, in: endpoint.vhost)
    }

    private func set(_ permissions: BrokerPermissions, for user: String, in vhost: String) throws {
        let body = try JSONSerialization.data(withJSONObject: [
            "configure": permissions.configure, "write": permissions.write, "read": permissions.read,
        ])
        _ = try send("PUT", "/api/permissions/\(Self.encoded(vhost))/\(Self.encoded(user))", body: body)
    }

    public func deleteVhost(_ vhost: String) throws {
        _ = try send("DELETE", "/api/vhosts/\(Self.encoded(vhost))", allowing: [404])
    }

    private static func encoded(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? segment
    }

    private func get(_ path: String) throws -> [[String: Any]] {
        guard let data = try send("GET", path),
            let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else {
            throw TopologyError("management API sent something other than a list for \(path)")
        }
        return rows
    }

    /// The answer's body; nil for a status in `allowing` (e.g. 404 when
    /// asking whether something exists). A node that cannot be reached is
    /// passed over for the next; an HTTP answer, whatever it says, is final.
    private func send(_ method: String, _ path: String, body: Data? = nil, allowing: Set<Int> = []) throws -> Data? {
        var unreachable: [String] = []
        for base in baseURLs {
            guard let url = URL(string: base.absoluteString.trimmingCharacters(in: ["/"]) + path) else {
                throw TopologyError("management API: bad URL \(base)\(path)")
            }
            let credentials = Data("\(endpoint.user):\(endpoint.password)".utf8).base64EncodedString()
            var headers = ["Authorization": "Basic \(credentials)"]
            if body != nil { headers["Content-Type"] = "application/json" }
            let target = "\(url.host ?? "?"):\(url.port ?? (url.scheme == "https" ? 443 : 80))"
            let response: HTTPClient.Response
            do {
                response = try HTTPClient.send(
                    method, url.absoluteString, headers: headers, body: body.map(Array.init), caFile: endpoint.tls?.caFile,
                    timeoutSeconds: Int(timeout.rounded(.up)))
            } catch {
                unreachable.append("\(target): \(error)")
                continue
            }
            if allowing.contains(response.status) { return nil }
            guard (200..<300).contains(response.status) else {
                throw TopologyError("management API at \(target) answered HTTP \(response.status) to \(method) \(path)")
            }
            return Data(response.body)
        }
        throw TopologyError("management API is unavailable: \(unreachable.joined(separator: "; "))")
    }
}

extension ServiceSettings {
    /// The management API (of the first node that answers), when one is
    /// configured; in the vhost of these settings.
    public var managementAPI: ManagementAPI? {
        amqpManagementURLs.isEmpty ? nil : ManagementAPI(baseURLs: amqpManagementURLs, endpoint: amqpEndpoints[0])
    }
}
