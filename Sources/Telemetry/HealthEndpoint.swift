import Foundation
import Hummingbird
import Logging
import Prometheus

/// What `/readyz` answers from: each check's name and whether it holds now.
/// Must not block: it runs on the server's event loop.
public typealias ReadinessChecks = @Sendable () -> [String: Bool]

extension Router {
    /// `GET /metrics` (Prometheus text), `GET /healthz` (the process answers)
    /// and `GET /readyz` (200 when every check holds, else 503; the body
    /// names each check).
    public func addHealthRoutes(registry: PrometheusCollectorRegistry = MetricsRegistry.shared, readiness: @escaping ReadinessChecks) {
        get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: MetricsRegistry.text(registry))))
        }
        get("/healthz") { _, _ -> Response in Self.json(.ok, ["status": "up"]) }
        get("/readyz") { _, _ -> Response in
            let checks = readiness()
            let ready = !checks.isEmpty && checks.values.allSatisfy { $0 }
            return Self.json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not ready"].merging(
                checks.mapValues { $0 ? "ok" : "failing" }) { a, _ in a })
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = (try? encoder.encode(fields)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A worker's `--metrics-port` server: only the health routes, on event
/// loops of its own (the worker's lanes are plain threads).
public enum HealthEndpoint {
    public struct CannotListen: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts serving and returns the bound port (port 0 picks a free one)
    /// once it is bound; throws when it cannot be (in use, not permitted), so
    /// the process says so at once.
    @discardableResult
    public static func start(host: String, port: Int, readiness: @escaping ReadinessChecks, log: Logger) throws -> Int {
        let router = Router()
        router.addHealthRoutes(readiness: readiness)
        let bound = DispatchSemaphore(value: 0)
        let state = StartState()
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)),
                              onServerRunning: { channel in
                                  state.bound(channel.localAddress?.port ?? port)
                                  bound.signal()
                              }, logger: log)
        Task.detached {
            do { try await app.runService(gracefulShutdownSignals: []) } catch {
                state.failed("metrics endpoint on \(host):\(port): \(error)")
            }
            bound.signal()
        }
        bound.wait()
        let (boundPort, failure) = state.result
        guard let boundPort else { throw CannotListen(description: failure ?? "metrics endpoint on \(host):\(port) did not start") }
        // The benchmark reads the port from this line when it asked for port 0.
        log.notice("metrics on http://\(host):\(boundPort)/metrics")
        return boundPort
    }
}

private final class StartState: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?
    private var failure: String?
    func bound(_ port: Int) { lock.withLock { self.port = port } }
    func failed(_ text: String) { lock.withLock { failure = text } }
    var result: (Int?, String?) { lock.withLock { (port, failure) } }
}
