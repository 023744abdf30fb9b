import Audit
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Notifications
import Risk
import Tax

/// What users and auditors read besides accounts (`read` scope): a user's
/// risk score and tax quarter, the audit log (JSON or CSV) and its chain check.
extension Endpoints {
    func addUserReads(to router: Router<APIRequestContext>) {
        router.get("/v1/users/:id/risk") { request, context -> Response in
            let user = context.parameters.get("id") ?? ""
            let history = request.uri.queryParameters.get("history")
            return await serve(request, .read) { _, connections in
                try APIError.checkId(user)
                guard let earlier = Int(history ?? "5"), (0...100).contains(earlier) else {
                    throw APIError(status: .badRequest, code: "invalid_query", message: "history must be 0 to 100", field: "history")
                }
                let scores = try RecordedScore.history(of: user, limit: earlier + 1, in: connections.database())
                guard let latest = scores.first else {
                    throw APIError(status: .notFound, code: "no_score", message: "user \"\(user)\" has no risk score yet")
                }
                return Reply(
                    .ok, .object(["user_id": .string(user), "latest": latest.json, "history": .array(scores.dropFirst().map(\.json))]))
            }
        }

        router.get("/v1/users/:id/tax") { request, context -> Response in
            let user = context.parameters.get("id") ?? ""
            let asked = request.uri.queryParameters.get("quarter")
            return await serve(request, .read) { _, connections in
                try APIError.checkId(user)
                let current = TaxRules.quarter(ofISO8601: Date().formatted(Date.ISO8601FormatStyle()))!
                guard let quarter = TaxQuarter(asked ?? current) else {
                    throw APIError(
                        status: .badRequest, code: "invalid_query", message: "quarter must look like 2026Q4", field: "quarter")
                }
                let summary = try TaxSummary.load(user, quarter: quarter, changes: 20, in: connections.database())
                return Reply(.ok, summary.json(quarter: quarter))
            }
        }

        router.get("/v1/users/:id/notifications") { request, context -> Response in
            let user = context.parameters.get("id") ?? ""
            let query = request.uri.queryParameters
            let (unread, after, limit) = (query.get("unread"), query.get("after"), query.get("limit"))
            return await serve(request, .read) { _, connections in
                try APIError.checkId(user)
                let unread = try APIError.flag(unread, "unread")
                let size = try APIError.limit(limit, upTo: 500)
                let database = try connections.database()
                let listed = try UserNotification.list(
                    user, unreadOnly: unread, after: try APIError.cursor(after), limit: size + 1, in: database)
                let page = Array(listed.prefix(size))
                return Reply(
                    .ok,
                    .object([
                        "user_id": .string(user), "unread": .integer(try UserNotification.unread(user, in: database)),
                        "notifications": .array(page.map(\.json)), "next": listed.count > size ? .integer(page.last!.id) : .null,
                    ]))
            }
        }

        // Marks read every notification up to one the user has seen (ids rise in commit order per user).
        router.post("/v1/users/:id/notifications/read") { request, context -> Response in
            let user = context.parameters.get("id") ?? ""
            guard let body = try await body(of: request) else { return tooLarge }
            return await serve(request, .read) { _, connections in
                try APIError.checkId(user)
                guard case .object(let fields)? = try? JSONValue.parse(body), case .integer(let upTo)? = fields["up_to"], upTo > 0,
                    fields.count == 1
                else {
                    throw APIError(
                        status: .badRequest, code: "invalid_body",
                        message: "send {\"up_to\": <id>}: the id of the newest notification read, from a listing", field: "up_to")
                }
                let database = try connections.database()
                let result = try UnreadCounter.markRead(user, events: nil, upTo: upTo, in: database)
                // Best effort, like every cache write: the counter in PostgreSQL is the truth.
                if (try? connections.cache().pipeline(result.cache)) == nil { connections.dropCache() }
                return Reply(
                    .ok,
                    .object([
                        "user_id": .string(user), "marked_read": .integer(Int64(result.marked)),
                        "unread": .integer(try UserNotification.unread(user, in: database)),
                    ]))
            }
        }

        router.get("/v1/audit") { request, _ -> Response in
            let query = request.uri.queryParameters
            let (after, limit, subject) = (query.get("after"), query.get("limit"), query.get("subject"))
            let csv = request.headers[.accept]?.contains("text/csv") ?? false
            return await serve(request, .read) { _, connections in
                if let subject { try APIError.checkId(subject, field: "subject") }
                let page = try AuditLogPage.load(
                    after: try APIError.cursor(after), limit: try APIError.limit(limit, upTo: AuditLogPage.maxPage), subject: subject,
                    in: connections.database())
                guard csv else { return Reply(.ok, page.json) }
                var reply = Reply.text(page.csv, contentType: "text/csv; charset=utf-8")
                if let next = page.next { reply.headers[HTTPField.Name("Link")!] = "</v1/audit?after=\(next)>; rel=\"next\"" }
                return reply
            }
        }

        router.get("/v1/audit/verify") { request, _ -> Response in
            await serve(request, .read) { _, connections in
                let report = try AuditVerification.run(on: connections.database())
                return Reply(
                    .ok,
                    .object([
                        "intact": .bool(report.firstBreak == nil), "rows_verified": .integer(report.rows),
                        "first_broken": report.firstBreak.map { .object(["seq": .integer($0.seq), "problem": .string($0.problem)]) }
                            ?? .null,
                    ]))
            }
        }
    }
}
