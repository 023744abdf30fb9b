import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// What `/readyz` answers from: each check's name and whether it holds now.
/// Must not block: it runs on the server's event loop.
public typealias ReadinessChecks = @Sendable () -> [String: Bool]

extension Router {
    /// `GET /metrics` (Prometheus text), `GET /healthz` (the process answers)
    /// and `GET /readyz` (200 when every check holds, else 503; the body
    /// names each check).
    public func addHealthRoutes(registry: PrometheusCollectorRegistry = MetricsRegistry.shared, readiness: @escaping ReadinessChecks) {
        get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: MetricsRegistry.text(registry))))
        }
        get("/healthz") { _, _ -> Response in Self.json(.ok, ["status": "up"]) }
        get("/readyz") { _, _ -> Response in
            let checks = readiness()
            let ready = !checks.isEmpty && checks.values.allSatisfy { $0 }
            return Self.json(
                ready ? .ok : .serviceUnavailable,
                ["status": ready ? "ready" : "not ready"].merging(
                    checks.mapValues { $0 ? "ok" : "failing" }
                ) { a, _ in a })
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = (try? encoder.encode(fields)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A process's `--metrics-port` server: only the health routes. The API
/// runs it as a service of its group; a worker starts it on event loops of
/// its own (the worker's lanes are plain threads).
public enum HealthEndpoint {
    public struct CannotListen: Error, CustomStringConvertible {
        public let description: String
    }

    /// The server, not yet running; `onBound` is told the port it bound
    /// (port 0 picks a free one), which it also logs: the benchmark reads
    /// the port from that line when it asked for port 0.
    public static func application(
        host: String, port: Int, readiness: @escaping ReadinessChecks, log: Logger,
        onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> some Service {
        let router = Router()
        router.addHealthRoutes(readiness: readiness)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                log.notice("metrics on http://\(host):\(bound)/metrics")
                onBound(bound)
            }, logger: log)
    }

    /// Starts serving and returns the bound port once it is bound; throws
    /// when it cannot be (in use, not permitted), so the process says so at once.
    @discardableResult
    public static func start(host: String, port: Int, readiness: @escaping ReadinessChecks, log: Logger) throws -> Int {
        let bound = DispatchSemaphore(value: 0)
        let state = StartState()
        let app = application(host: host, port: port, readiness: readiness, log: log) { port in
            state.bound(port)
            bound.signal()
        }
        Task.detached {
            do {
                try await ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: log).run()
            } catch {
                state.failed("metrics endpoint on \(host):\(port): \(error)")
            }
            bound.signal()
        }
        bound.wait()
        let (boundPort, failure) = state.result
        guard let boundPort else { throw CannotListen(description: failure ?? "metrics endpoint on \(host):\(port) did not start") }
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
