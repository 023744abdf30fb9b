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
            let fresh = request.uri.queryParameters.get("fresh") == "true"
            return await serve(request, .read) { _, connections in
                try APIError.checkId(id)
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
                let cursor = try after.map { text -> Int64 in
                    guard let value = Int64(text), value > 0 else {
                        throw APIError(
                            status: .badRequest, code: "invalid_query", message: "after must be an entry id from a page's next",
                            field: "after")
                    }
                    return value
                }
                let size = try limit.map { text -> Int in
                    guard let value = Int(text), (1...AccountReads.maxPage).contains(value) else {
                        throw APIError(
                            status: .badRequest, code: "invalid_query", message: "limit must be 1 to \(AccountReads.maxPage)",
                            field: "limit")
                    }
                    return value
                }
                guard let page = try AccountReads.statement(id, after: cursor, limit: size ?? 100, in: connections.database()) else {
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
    /// Ids of the contract are 1 to 64 characters.
    static func checkId(_ id: String) throws(APIError) {
        guard !id.isEmpty, id.unicodeScalars.count <= MessageFields.maxIdLength else {
            throw APIError(
                status: .badRequest, code: "invalid_path", message: "an id is 1 to \(MessageFields.maxIdLength) characters", field: "id")
        }
    }

    static func unknownAccount(_ id: String) -> APIError {
        APIError(status: .notFound, code: "unknown_account", message: "no account with id \"\(id)\"")
    }
}
