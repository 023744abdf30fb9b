import APIKeys
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Topology
import WorkerRuntime

/// The routes of `flexfin-api`. Each one hands its work, authorization
/// included, to the service pool, and answers JSON.
struct Endpoints: Sendable {
    let pool: ServicePool
    let options: APIOptions
    let topology: TopologySpec
    let log: Logger
    let deadLetterLock = DeadLetterLock()

    func add(to router: Router<APIRequestContext>) {
        router.get("/openapi.json") { _, _ in Self.resource("openapi", "json", type: "application/json") }
        router.get("/") { _, _ in Self.resource("ops", "html", type: "text/html; charset=utf-8") }
        addCommands(to: router)
        addAccounts(to: router)
        addUserReads(to: router)
        addDebts(to: router)
        addProjects(to: router)
        addOperations(to: router)
        refuseOtherMethods(on: router)
    }

    /// 405 with `Allow` for a method a path does not have, rather than 404.
    private func refuseOtherMethods(on router: Router<APIRequestContext>) {
        let allowed: [String: [HTTPRequest.Method]] = [
            "/v1/commands": [.post], "/v1/commands/:id": [.get], "/v1/commands/:id/approve": [.post],
            "/v1/commands/:id/decline": [.post], "/v1/approvals": [.get], "/v1/queues": [.get], "/v1/queues/history": [.get],
            "/v1/dead-letters": [.get], "/v1/dead-letters/messages": [.get], "/v1/dead-letters/dry-run": [.post],
            "/v1/dead-letters/replay": [.post], "/v1/dead-letters/purge": [.post], "/openapi.json": [.get], "/": [.get],
            "/v1/accounts/:id": [.get], "/v1/accounts/:id/entries": [.get], "/v1/users/:id/accounts": [.get],
            "/v1/users/:id/risk": [.get], "/v1/users/:id/tax": [.get], "/v1/audit": [.get], "/v1/audit/verify": [.get],
            "/v1/users/:id/notifications": [.get], "/v1/users/:id/notifications/read": [.post],
            "/v1/debts/:id": [.get], "/v1/debts/:id/schedule": [.get], "/v1/users/:id/debts": [.get],
            "/v1/projects/:id": [.get], "/v1/users/:id/projects": [.get],
        ]
        let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]
        for (path, allow) in allowed {
            for method in methods where !allow.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    var reply = Reply(
                        APIError(
                            status: .methodNotAllowed, code: "method_not_allowed",
                            message: "\(path) answers \(allow.map(\.rawValue).joined(separator: ", ")) only"))
                    reply.headers[.allow] = allow.map(\.rawValue).joined(separator: ", ")
                    return reply.response
                }
            }
        }
    }

    /// Runs `work` on the pool for a caller with `scope`, and turns every
    /// outcome into an answer: refusals as they are, a service that is away
    /// as 503 with Retry-After, anything else as 500 (logged; no key, no body).
    func serve(
        _ request: Request, _ scope: Scope,
        _ work: @escaping @Sendable (APIKey, ServicePool.Connections) throws -> Reply
    ) async -> Response {
        let authorization = request.headers[.authorization]
        return await answer(request) { [log] connections in
            try work(try Access.authorize(authorization, scope, connections, log: log), connections)
        }
    }

    enum Admission {
        /// The caller's key, and the body it sent.
        case admitted(APIKey, [UInt8])
        case refused(Response)
    }

    /// The caller's key, from the headers alone, then its body: a request
    /// without a key that has `scope` is refused before its body is read
    /// (it uploads nothing), one whose body is too large gets 413.
    func admit(_ request: Request, _ scope: Scope) async throws -> Admission {
        let authorization = request.headers[.authorization]
        let key: APIKey
        do {
            key = try await pool.run { [log] connections in try Access.authorize(authorization, scope, connections, log: log) }
        } catch { return .refused(response(to: error, of: request)) }
        guard let body = try await body(of: request) else { return .refused(tooLarge) }
        return .admitted(key, body)
    }

    /// Runs `work` on the pool for an authorized caller (see `serve`).
    func serve(
        _ request: Request, as key: APIKey, _ work: @escaping @Sendable (APIKey, ServicePool.Connections) throws -> Reply
    ) async -> Response {
        await answer(request) { connections in try work(key, connections) }
    }

    private func answer(_ request: Request, _ work: @escaping @Sendable (ServicePool.Connections) throws -> Reply) async -> Response {
        do { return try await pool.run { connections in try work(connections) }.response } catch {
            return response(to: error, of: request)
        }
    }

    private func response(to error: any Error, of request: Request) -> Response {
        switch error {
        case let error as APIError: return Reply(error).response
        case is ServicePool.Busy: return Reply(APIError.unavailable("the API is at capacity", retryAfter: 1)).response
        case _ where ServiceError.isRetryable(error) == true:
            log.warning("a service is unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Reply(APIError.unavailable("a service the API needs is unavailable")).response
        default:
            log.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Reply(APIError(status: .internalServerError, code: "internal", message: "the request failed; see the API's log"))
                .response
        }
    }

    /// The request body, up to the size limit; nil when it is larger (answer 413).
    func body(of request: Request) async throws -> [UInt8]? {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: options.maxBodyBytes)
            return Array(buffer: buffer)
        } catch is NIOTooManyBytesError {
            return nil
        }
    }

    var tooLarge: Response {
        Reply(
            APIError(
                status: .contentTooLarge, code: "too_large",
                message: "the body is larger than \(options.maxBodyBytes) bytes; nothing was published")
        ).response
    }

    /// The ops page's HTML, for the security headers' script and style hashes.
    static var opsPage: String {
        Bundle.module.url(forResource: "ops", withExtension: "html").flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
    }

    private static func resource(_ name: String, _ ext: String, type: String) -> Response {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext), let data = try? Data(contentsOf: url) else {
            return Response(status: .notFound)
        }
        return Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// One dead-letter replay or purge at a time in this process: two at once
/// would publish the same letters twice (the inbox would absorb it).
final class DeadLetterLock: @unchecked Sendable {
    private let lock = NSLock()
    func withLock<T>(_ body: () throws -> T) rethrows -> T { try lock.withLock(body) }
}
