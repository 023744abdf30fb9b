import AMQPClient
import DeadLetterRecords
import DeadLetters
import Domain
import Foundation
import Hummingbird
import Topology

extension Endpoints {
    func addOperations(to router: Router<APIRequestContext>) {
        router.get("/v1/queues") { request, _ -> Response in
            await serve(request, .read) { _, connections in
                let snapshot = try QueueMonitor(plan: BrokerPlan(topology), management: connections.settings.managementAPI)
                    .snapshot(connection: connections.broker())
                return Reply(.ok, .object(["source": .string(snapshot.source), "queues": .array(snapshot.queues.map(Self.queue))]))
            }
        }

        router.get("/v1/queues/history") { request, _ -> Response in
            let asked = request.uri.queryParameters.get("hours")
            let hours = asked.map { Int($0) ?? 0 } ?? 24
            return await serve(request, .read) { _, connections in
                guard (1...48).contains(hours) else {
                    throw APIError(status: .badRequest, code: "invalid_query", message: "hours must be 1 to 48", field: "hours")
                }
                return Reply(.ok, try QueueSampler.history(hours: hours, in: connections.database()))
            }
        }

        router.get("/v1/dead-letters") { request, _ -> Response in
            let query = request.uri.queryParameters
            let (queue, type, errorClass) = (query.get("queue"), query.get("type"), query.get("error_class"))
            return await serve(request, .read) { _, connections in
                var filter = DeadLetterFilter()
                (filter.type, filter.errorClass, filter.all) = (type, errorClass, true)
                let groups = try workQueues(queue).flatMap { work -> [DeadLetterGroup] in
                    let letters = try DeadLetterQueue(work.name, settings: connections.settings, topology: topology).list(filter)
                    return DeadLetterGroup.group(letters, queue: work.name)
                }
                return Reply(.ok, .object(["groups": .array(groups.map(Self.group))]))
            }
        }

        router.get("/v1/dead-letters/messages") { request, _ -> Response in
            let query = request.uri.queryParameters
            let selection = JSONValue.object(
                JSONObject(
                    Dictionary(
                        uniqueKeysWithValues: ["queue", "fingerprint", "error_class", "type"].compactMap { name in
                            query.get(name).map { (name, JSONValue.string($0)) }
                        })))
            let (after, limit) = (query.get("after"), query.get("limit"))
            // A read key sees what failed and the money held; the bodies
            // (payer, payee, memo) only an operate key.
            return await serve(request, .read) { key, connections in
                let (queue, filter) = try self.selection(selection, requireCondition: false)
                if let after { try APIError.checkId(after, field: "after") }
                let all = try DeadLetterQueue(queue, settings: connections.settings, topology: topology).list(filter)
                let start = after.map { cursor in (all.firstIndex { $0.id == cursor }).map { $0 + 1 } ?? all.count } ?? 0
                let page = Array(all.dropFirst(start).prefix(try APIError.limit(limit, upTo: 500)))
                let bodies = key.scopes.contains(.operate)
                return Reply(
                    .ok,
                    .object([
                        "messages": .array(page.map { Self.letter($0, body: bodies) }),
                        "next": start + page.count < all.count ? .string(page.last!.id) : .null,
                        "bodies": .string(bodies ? "shown" : "withheld: they need the operate scope"),
                    ]))
            }
        }

        router.post("/v1/dead-letters/dry-run") { request, _ -> Response in
            await operate(request) { queue, filter, _, connections in
                let chosen = try DeadLetterQueue(queue, settings: connections.settings, topology: topology).messages(filter)
                let verdicts = try WorkerHandlers.evaluate(chosen.map(\.message), forQueue: queue, in: connections.database())
                let results: [JSONValue] = chosen.enumerated().map { index, item in
                    .object([
                        "id": .string(item.letter.id), "verdict": .text(verdicts?[index].label),
                        "detail": .text(verdicts?[index].description),
                    ])
                }
                return Reply(.ok, .object(["count": .integer(Int64(chosen.count)), "results": .array(results)]))
            }
        }

        router.post("/v1/dead-letters/replay") { request, _ -> Response in
            await operate(request, confirming: "replay") { queue, filter, actor, connections in
                let replayed = try DeadLetterQueue(queue, settings: connections.settings, topology: topology, takesInFirst: false).replay(
                    filter, actor: actor)
                return Reply(.ok, .object(["replayed": .integer(Int64(replayed.count)), "ids": .array(replayed.map { .string($0.id) })]))
            }
        }

        router.post("/v1/dead-letters/purge") { request, _ -> Response in
            await operate(request, confirming: "purge") { queue, filter, actor, connections in
                let purged = try DeadLetterQueue(queue, settings: connections.settings, topology: topology, takesInFirst: false).purge(
                    filter, actor: actor)
                return Reply(.ok, .object(["purged": .integer(Int64(purged.count)), "ids": .array(purged.map { .string($0.id) })]))
            }
        }
    }

    /// An `operate` action on a selection of one queue's dead letters. The
    /// actor the audit log records is the key's name, never text from the request.
    private func operate(
        _ request: Request, confirming action: String? = nil,
        _ work: @escaping @Sendable (String, DeadLetterFilter, String, ServicePool.Connections) throws -> Reply
    ) async -> Response {
        guard let body = try? await body(of: request) else { return tooLarge }
        return await serve(request, .operate) { key, connections in
            let json = (try? JSONValue.parse(body)) ?? .null
            let (queue, filter) = try selection(json, requireCondition: true)
            if let action, json.objectFields["confirm"] != .bool(true) {
                throw APIError(
                    status: .badRequest, code: "unconfirmed",
                    message: "\(action) acts on messages for good: send \"confirm\": true (try dry-run first)", field: "confirm")
            }
            return try deadLetterLock.withLock { try work(queue, filter, "api-key:\(key.name)", connections) }
        }
    }

    /// `{"queue": …, "fingerprint"?, "error_class"?, "type"?, "ids"?: [], "all"?: true}`.
    private func selection(_ json: JSONValue, requireCondition: Bool) throws -> (String, DeadLetterFilter) {
        guard case .object(let fields) = json else {
            throw APIError(status: .badRequest, code: "invalid_selection", message: "the body must be a JSON object naming a queue")
        }
        guard case .string(let queue)? = fields["queue"], !queue.isEmpty else {
            throw APIError(
                status: .badRequest, code: "invalid_selection", message: "name the work queue, e.g. \"commands.payment\"", field: "queue")
        }
        _ = try workQueues(queue)
        var filter = DeadLetterFilter()
        func text(_ name: String) throws -> String? {
            switch fields[name] {
            case nil: return nil
            case .string(let value)? where !value.contains("\u{0}"): return value
            default:
                throw APIError(status: .badRequest, code: "invalid_selection", message: "\(name) must be a string without NUL", field: name)
            }
        }
        (filter.fingerprint, filter.errorClass, filter.type) = (try text("fingerprint"), try text("error_class"), try text("type"))
        if let ids = fields["ids"] {
            guard case .array(let list) = ids, !list.isEmpty else {
                throw APIError(
                    status: .badRequest, code: "invalid_selection", message: "ids, when given, is a list of at least one id", field: "ids")
            }
            filter.ids = Set(
                try list.map { id in
                    guard case .string(let text) = id, !text.contains("\u{0}") else {
                        throw APIError(
                            status: .badRequest, code: "invalid_selection", message: "ids must be strings without NUL", field: "ids")
                    }
                    return text
                })
        }
        if let all = fields["all"], all != .bool(true) {
            throw APIError(status: .badRequest, code: "invalid_selection", message: "all is true or absent", field: "all")
        }
        filter.all = fields["all"] == .bool(true) || !requireCondition
        guard !requireCondition || filter.all || !filter.isEmpty else {
            throw APIError(
                status: .badRequest, code: "invalid_selection",
                message: "say which: fingerprint, error_class, type, ids, or \"all\": true")
        }
        return (queue, filter)
    }

    private func workQueues(_ name: String?) throws -> [TopologySpec.WorkQueue] {
        guard let name else { return topology.queues }
        let base = name.hasSuffix(".dlq") ? String(name.dropLast(4)) : name
        guard let queue = topology.queues.first(where: { $0.name == base }) else {
            throw APIError(
                status: .badRequest, code: "unknown_queue",
                message: "no work queue \"\(name)\": \(topology.queues.map(\.name).joined(separator: ", "))", field: "queue")
        }
        return [queue]
    }

    private static func queue(_ q: QueueDepth) -> JSONValue {
        .object([
            "name": .string(q.queue), "exists": .bool(q.exists), "ready": .int(q.ready), "unacknowledged": .int(q.unacknowledged),
            "consumers": .int(q.consumers), "publish_rate": .double(q.publishRate), "deliver_rate": .double(q.deliverRate),
            "ack_rate": .double(q.ackRate), "oldest_message_age_seconds": .null,
        ])
    }

    private static func group(_ g: DeadLetterGroup) -> JSONValue {
        .object([
            "queue": .string(g.queue), "dead_letter_queue": .string(g.queue + ".dlq"), "error_class": .string(g.errorClass),
            "fingerprint": .string(g.fingerprint), "error": .string(g.error), "types": .array(g.types.map(JSONValue.string)),
            "count": .int(g.count), "first_seen": .text(g.firstSeen), "last_seen": .text(g.lastSeen),
            "oldest_age_seconds": .int(g.oldestAgeSeconds), "money": .object(JSONObject(g.money.mapValues(JSONValue.integer))),
            "money_text": .string(g.money.keys.sorted().map { Money.text(g.money[$0]!, $0) }.joined(separator: ", ")),
        ])
    }

    private static func letter(_ d: DeadLetter, body: Bool) -> JSONValue {
        .object([
            "id": .string(d.id), "letter_id": .string(d.letterId), "type": .string(d.type), "error_class": .string(d.errorClass),
            "error": .string(d.error),
            "fingerprint": .string(d.fingerprint), "attempts": .int(d.attempts), "age_seconds": .int(d.ageSeconds),
            "first_failed_at": .text(d.firstFailedAt), "last_failed_at": .text(d.lastFailedAt), "body": body ? .string(d.body) : .null,
            "money": d.money.map { .object(["minor_units": .integer($0.minorUnits), "currency": .string($0.currency)]) } ?? .null,
        ])
    }
}
