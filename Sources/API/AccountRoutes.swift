import Domain
import Foundation
import Hummingbird
import Ledger

/// What users read of their accounts (`read` scope): one account's
/// balance, its statement a page at a time, and a user's accounts.
extension Endpoints {
    func addAccounts(to router: Router<APIRequestContext>) {
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
