import APIKeys
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Submission
import WorkerRuntime

extension Endpoints {
    func addCommands(to router: Router<APIRequestContext>) {
        // One command as a JSON object, or JSON lines (Content-Type
        // application/x-ndjson) with a result per line.
        // The key is checked from the headers before the body is read: a
        // caller without one is refused before it uploads.
        router.post("/v1/commands") { request, _ -> Response in
            let (key, body): (APIKey, [UInt8])
            switch try await admit(request, .submit) {
            case .refused(let refusal): return refusal
            case .admitted(let admitted, let sent): (key, body) = (admitted, sent)
            }
            let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!]
            let lines =
                request.headers[.contentType].map { $0.hasPrefix("application/x-ndjson") || $0.hasPrefix("application/jsonl") } ?? false
            return await serve(request, as: key) { key, connections in
                lines
                    ? try submitLines(body, key: key, connections)
                    : try submitOne(body, idempotencyKey: idempotencyKey, key: key, connections)
            }
        }

        // A held command's approval or decline: `operate`, by another key
        // than the submitter's. A decline may say why: {"reason": "…"}.
        for (verb, approve) in [("approve", true), ("decline", false)] {
            router.post("/v1/commands/:id/\(verb)") { request, context -> Response in
                let (key, body): (APIKey, [UInt8])
                switch try await admit(request, .operate) {
                case .refused(let refusal): return refusal
                case .admitted(let admitted, let sent): (key, body) = (admitted, sent)
                }
                let id = context.parameters.get("id") ?? ""
                return await serve(request, as: key) { key, connections in
                    try CommandApprovals.decide(id, approve: approve, by: key, reason: try Self.reason(body), connections)
                }
            }
        }

        // What waits for an approval, oldest first, by pages.
        router.get("/v1/approvals") { request, _ -> Response in
            let query = request.uri.queryParameters
            let (after, limit) = (query.get("after"), query.get("limit"))
            return await serve(request, .read) { _, connections in
                if let after { try APIError.checkId(after, field: "after") }
                let size = try APIError.limit(limit, upTo: 500)
                let held = try HeldCommands.pending(after: after, limit: size + 1, in: connections.database())
                let page = held.prefix(size)
                return Reply(
                    .ok,
                    .object([
                        "pending": .array(page.map(\.json)),
                        "next": held.count > size ? .string(page.last!.commandId) : .null,
                    ]))
            }
        }

        router.get("/v1/commands/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await serve(request, .read) { _, connections in
                try APIError.checkId(id)
                if let answer = try CommandStatusLookup.find(id, cache: try? connections.cache(), database: connections.database) {
                    var fields = answer.status.json.objectFields
                    fields["command_id"] = .string(id)
                    fields["source"] = .string(answer.source)
                    return Reply(.ok, .object(fields))
                }
                // Confirmed by the broker, and neither worker nor cache has said more yet.
                let submitted = try connections.database().execute(
                    prepared: """
                        SELECT to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS submitted_at FROM api_submissions WHERE command_id = $1
                        """, [id])
                guard submitted.count == 1 else {
                    throw APIError(status: .notFound, code: "unknown_command", message: "no command with id \"\(id)\" is known")
                }
                return Reply(
                    .ok,
                    .object([
                        "command_id": .string(id), "status": "accepted",
                        "at": .string(try submitted.decode(0, "submitted_at", as: String.self)),
                        "source": "database",
                    ]))
            }
        }
    }

    private func submitOne(_ body: [UInt8], idempotencyKey: String?, key: APIKey, _ connections: ServicePool.Connections) throws -> Reply {
        let command = try CommandIntake.command(body, idempotencyKey: idempotencyKey)
        try CommandIntake.permit(command, to: key).get()
        let ceiling = try CommandIntake.limit(command, to: key, connections.database).get()
        let claim = try CommandIntake.claim([command], key: key.name, in: connections.database())[0].get()
        let withheld = try CommandApprovals.withhold([(command, ceiling, claim)], key: key, in: connections.database())
        if let held = withheld[command.commandId] {
            let (status, fields) = held.refusal(command)
            return Reply(.init(code: status), .object(fields), headers: [.location: "/v1/commands/\(command.commandId)"])
        }
        try publish([command], new: claim == .new ? [command.commandId] : [], key: key, connections)
        return Reply(.accepted, accepted(command, claim), headers: [.location: "/v1/commands/\(command.commandId)"])
    }

    /// Every line is checked first; the valid, unclaimed ones are published
    /// together and confirmed; each line gets its own status.
    private func submitLines(_ body: [UInt8], key: APIKey, _ connections: ServicePool.Connections) throws -> Reply {
        let file = CommandFile(contents: Data(body))
        guard file.commands.count + file.refusals.count <= options.maxBatchLines else {
            throw APIError(
                status: .contentTooLarge, code: "too_many_lines",
                message: "at most \(options.maxBatchLines) commands per request; nothing was published")
        }
        // A line the key may not send is refused before its id is claimed;
        // one above its ceiling is claimed and held, not published.
        var permitted: [Result<Money?, APIError>] = []
        for command in file.commands {
            switch CommandIntake.permit(command, to: key) {
            case .failure(let refusal): permitted.append(.failure(refusal))
            case .success: permitted.append(try CommandIntake.limit(command, to: key, connections.database))
            }
        }
        let allowed: [(command: SubmittedCommand, ceiling: Money?)] = zip(file.commands, permitted).compactMap { command, permit in
            if case .success(let ceiling) = permit { (command, ceiling) } else { nil }
        }
        var claimResults = try CommandIntake.claim(allowed.map(\.command), key: key.name, in: connections.database()).makeIterator()
        let claims = permitted.map { permit in permit.flatMap { _ in claimResults.next()! } }
        var claimed: [(command: SubmittedCommand, ceiling: Money?, claim: CommandIntake.Claim)] = []
        for (command, (permit, claim)) in zip(file.commands, zip(permitted, claims)) {
            if case .success(let ceiling) = permit, case .success(let claim) = claim { claimed.append((command, ceiling, claim)) }
        }
        let withheld = try CommandApprovals.withhold(claimed, key: key, in: connections.database())
        let published = claimed.filter { withheld[$0.command.commandId] == nil }
        try publish(
            published.map(\.command), new: published.filter { $0.claim == .new }.map(\.command.commandId), key: key, connections)
        var results: [(line: Int, result: JSONValue)] = file.refusals.map { refusal in
            (
                refusal.line,
                .object([
                    "line": .integer(Int64(refusal.line)), "status": 400,
                    "error": APIError(status: .badRequest, code: "invalid_command", message: refusal.reason).json.objectFields["error"]!,
                ])
            )
        }
        for (line, (command, claim)) in zip(file.lines, zip(file.commands, claims)) {
            var fields: JSONObject
            switch claim {
            case .success(let claim):
                if let held = withheld[command.commandId] {
                    // As a line's other answers: `status` is the HTTP one.
                    let (status, answer) = held.refusal(command)
                    fields = answer
                    fields["command_id"] = .string(command.commandId)
                    fields["command_status"] = answer["status"]
                    fields["status"] = .integer(Int64(status))
                } else {
                    fields = accepted(command, claim).objectFields
                    fields["status"] = 202
                }
            case .failure(let error):
                fields = [
                    "command_id": .string(command.commandId), "status": .integer(Int64(error.status.code)),
                    "error": error.json.objectFields["error"]!,
                ]
            }
            fields["line"] = .integer(Int64(line))
            results.append((line, .object(fields)))
        }
        let sorted = results.sorted { $0.line < $1.line }.map(\.result)
        let acceptedCount = sorted.count { $0.objectFields["status"] == 202 }
        return Reply(
            .ok,
            .object([
                "accepted": .integer(Int64(acceptedCount)), "refused": .integer(Int64(sorted.count - acceptedCount)),
                "results": .array(sorted),
            ]))
    }

    /// The optional `reason` of an approval or decline body (empty: none).
    private static func reason(_ body: [UInt8]) throws(APIError) -> String? {
        guard !body.isEmpty else { return nil }
        guard case .object(let fields)? = try? JSONValue.parse(body) else {
            throw APIError(status: .badRequest, code: "invalid_body", message: "expected a JSON object such as {\"reason\": \"…\"}")
        }
        switch fields["reason"] {
        case nil: return nil
        case .string(let reason)? where reason.count <= 500: return reason
        default:
            throw APIError(
                status: .badRequest, code: "invalid_body", message: "'reason' must be text of at most 500 characters", field: "reason")
        }
    }

    private func accepted(_ command: SubmittedCommand, _ claim: CommandIntake.Claim) -> JSONValue {
        .object([
            "command_id": .string(command.commandId), "type": .string(command.type), "status": "accepted",
            "resubmission": .bool(claim == .resubmission), "location": .string("/v1/commands/\(command.commandId)"),
        ])
    }

    /// Publishes and waits for the broker's confirm. If it never comes, the
    /// new ids are given back and the caller is told 503: nothing counts as
    /// accepted that the broker did not confirm.
    private func publish(_ commands: [SubmittedCommand], new: [String], key: APIKey, _ connections: ServicePool.Connections) throws {
        guard !commands.isEmpty else { return }
        do {
            try connections.producer().publish(commands, actor: key.name, keyId: key.id)
        } catch {
            connections.drop()
            try? CommandIntake.release(new, in: connections.database())
            log.warning("publish not confirmed", metadata: ["commands": "\(commands.count)", "error": "\(error)"])
            throw APIError.unavailable("the broker did not confirm the publish")
        }
    }
}

extension JSONValue {
    var objectFields: JSONObject { if case .object(let fields) = self { fields } else { [:] } }
}
