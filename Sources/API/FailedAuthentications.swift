import Foundation
import Hummingbird
import NIOCore

/// Each request's context, with the address it came from (the limit on
/// failed authentications counts by it).
struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// A client address whose requests failed authentication `limit` times
/// within a minute gets 429 for the rest of that minute, before any key is
/// looked at: guessing keys costs the guesser, not the database.
struct FailedAuthenticationLimit: RouterMiddleware {
    typealias Context = APIRequestContext
    let limit: Int
    private let counts = FailureCounts()

    init(perMinute limit: Int) { self.limit = limit }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        let minute = Int(Date().timeIntervalSince1970 / 60)
        if counts.failures(of: client, in: minute) >= limit {
            return Reply(
                APIError(
                    status: .tooManyRequests, code: "too_many_failed_authentications",
                    message: "\(limit) requests from this address failed authentication within a minute; try again later",
                    retryAfter: 60 - Int(Date().timeIntervalSince1970) % 60)
            ).response
        }
        let response = try await next(request, context)
        if response.status == .unauthorized { counts.add(client, in: minute) }
        return response
    }
}

/// Failures per address in the current minute; the previous minute's are dropped.
private final class FailureCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var minute = 0
    private var counts: [String: Int] = [:]

    func failures(of client: String, in minute: Int) -> Int {
        lock.withLock { self.minute == minute ? counts[client] ?? 0 : 0 }
    }

    func add(_ client: String, in minute: Int) {
        lock.withLock {
            if self.minute != minute { (self.minute, counts) = (minute, [:]) }
            counts[client, default: 0] += 1
        }
    }
}
