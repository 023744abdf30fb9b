import Domain
import Foundation
import Hummingbird
import Ledger

/// What users read of their accounts (`read` scope): one account's
/// balance, its statement a page at a time, and a user's accounts.
extension Endpoints {
    func addAccounts(to router: Router<BasicRequestContext>) {
        router.get("/v1/accounts/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let fresh = request.uri.queryParameters.get("fresh")
            return await serve(request, .read) { _, connections in
                try APIError.checkId(id)
                let fresh = try APIError.flag(fresh, "fresh")
                let cache = try? connections.cache()
                let view = try AccountReads.account(id, cache: cache, database: connections.database, fresh: fresh)
                if let cache, !cache.isConnected { connections.dropCache() }
                guard let view else { throw APIError.unknownAccount(id) }
                return Reply(.ok, view.json)
            }
        }

        router.get("/v1/accounts/:id/entries") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let query = request.uri.queryParameters
            let (after, limit) = (query.get("after"), query.get("limit"))
            return await serve(request, .read) { _, connections in
                try APIError.checkId(id)
                let cursor = try APIError.cursor(after)
                let size = try APIError.limit(limit, upTo: AccountReads.maxPage)
                guard let page = try AccountReads.statement(id, after: cursor, limit: size, in: connections.database()) else {
                    throw APIError.unknownAccount(id)
                }
                return Reply(.ok, page.json)
            }
        }

        router.get("/v1/users/:id/accounts") { request, context -> Response in
            let user = context.parameters.get("id") ?? ""
            return await serve(request, .read) { _, connections in
                try APIError.checkId(user)
                let accounts = try AccountReads.accounts(ofUser: user, in: connections.database())
                return Reply(.ok, .object(["user_id": .string(user), "accounts": .array(accounts.map(\.json))]))
            }
        }
    }
}

extension APIError {
    /// A query flag: absent, `true` or `false`.
    static func flag(_ text: String?, _ name: String) throws(APIError) -> Bool {
        switch text {
        case nil, "false"?: return false
        case "true"?: return true
        default: throw APIError(status: .badRequest, code: "invalid_query", message: "\(name) must be true or false", field: name)
        }
    }

    /// `after`: a page's `next`, a positive integer.
    static func cursor(_ text: String?) throws(APIError) -> Int64? {
        guard let text else { return nil }
        guard let value = Int64(text), value > 0 else {
            throw APIError(status: .badRequest, code: "invalid_query", message: "after must be a page's next", field: "after")
        }
        return value
    }

    /// `limit`: 1 to `most`, 100 when absent (or `most`, when smaller).
    static func limit(_ text: String?, upTo most: Int) throws(APIError) -> Int {
        guard let text else { return min(100, most) }
        guard let value = Int(text), (1...most).contains(value) else {
            throw APIError(status: .badRequest, code: "invalid_query", message: "limit must be 1 to \(most)", field: "limit")
        }
        return value
    }

    /// Ids of the contract are 1 to 64 characters, none of them U+0000
    /// (which PostgreSQL's text cannot hold).
    static func checkId(_ id: String, field: String = "id") throws(APIError) {
        guard !id.isEmpty, id.unicodeScalars.count <= MessageFields.maxIdLength, !id.unicodeScalars.contains("\u{0}") else {
            throw APIError(
                status: .badRequest, code: "invalid_id",
                message: "an id is 1 to \(MessageFields.maxIdLength) characters, none of them U+0000", field: field)
        }
    }

    static func unknownAccount(_ id: String) -> APIError {
        APIError(status: .notFound, code: "unknown_account", message: "no account with id \"\(id)\"")
    }
}
