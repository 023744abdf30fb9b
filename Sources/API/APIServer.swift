import ArgumentParser
import DeadLetters
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Settings
import Telemetry
import Topology

/// How `flexfin-api` runs.
public struct APIOptions: ParsableArguments, Sendable {
    @Option(help: "The address to listen on.") public var host = "127.0.0.1"
    @Option(help: "The port of the API and the ops page.") public var port = 8080
    @Option(help: "Serve /metrics, /healthz and /readyz on this port (none by default).") public var metricsPort: Int?
    @Option(
        help: "Threads that hold the PostgreSQL, Redis and broker connections: requests served at once (each waits for its own confirm).")
    public var threads = 16
    @Option(help: "Largest request body in bytes (413 above).") public var maxBodyBytes = 1 << 20
    @Option(help: "Most commands in one JSON-lines request.") public var maxBatchLines = 1000
    @Option(help: "Seconds between queue depth samples for the ops page.") public var sampleSeconds = 10
    @Option(help: "Failed authentications a client address may have in a minute before it gets 429 (until the minute ends).")
    public var failedAuthenticationsPerMinute = 100
    @Option(help: "Seconds a connection may stay idle before the server closes it.") public var idleTimeoutSeconds = 30
    @Option(help: "HTTP connections open at once; one more is closed as it opens.") public var maxConnections = 1000

    public init() {}

    public func validate() throws {
        guard threads > 0, maxBodyBytes > 0, maxBatchLines > 0, sampleSeconds > 0, failedAuthenticationsPerMinute > 0,
            idleTimeoutSeconds > 0, maxConnections > 0
        else {
            throw ValidationError(
                "--threads, --max-body-bytes, --max-batch-lines, --sample-seconds, --failed-authentications-per-minute, --idle-timeout-seconds and --max-connections must be positive"
            )
        }
    }
}

/// `flexfin-api`: the HTTP API, the ops page and the OpenAPI document.
/// Hummingbird serves; the blocking C clients run on the service pool. The
/// server and the background loops (readiness probe, queue sampler,
/// dead-letter intake, the metrics endpoint) are services of one group:
/// SIGTERM or SIGINT stops the server taking requests and lets those under
/// way finish, then stops the loops, each after its round.
public enum APIServer {
    public static func run(_ options: APIOptions) async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        MetricsRegistry.bootstrap()  // Hummingbird's request metrics land beside ours
        let log = Logger(label: "flexfin.api")
        let settings = try ServiceSettings.fromEnvironment()
        let topology = try TopologySpec.load(from: TopologySpec.locate())
        let pool = ServicePool(threads: options.threads, queueLimit: 64 * options.threads, settings: settings, topology: topology)
        let readiness = Readiness()
        // Stopped in reverse order: the server first.
        var services: [any Service] = [
            readiness.prober(pool),
            QueueSampler.service(pool, topology: topology, every: options.sampleSeconds, log: log),
            // The API is where dead letters are read: it keeps their record complete.
            DeadLetterIntakeService(queues: topology.queues.map(\.deadLetterQueue), settings: settings, log: log),
        ]
        if let metricsPort = options.metricsPort {
            services.append(HealthEndpoint.application(host: options.host, port: metricsPort, readiness: readiness.checks, log: log))
        }
        let endpoints = Endpoints(pool: pool, options: options, topology: topology, log: log)
        let router = Router(context: APIRequestContext.self)
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(FailedAuthenticationLimit(perMinute: options.failedAuthenticationsPerMinute))
        router.middlewares.add(SecurityHeaders(page: Endpoints.opsPage))
        endpoints.add(to: router)
        // One count for every connection: made once, called for each.
        let capped = ConnectionCap.handlers(limit: options.maxConnections)
        services.append(
            Application(
                router: router,
                server: .http1(
                    configuration: .init(
                        additionalChannelHandlers: capped(),
                        idleTimeout: .seconds(Int64(options.idleTimeoutSeconds)))),
                configuration: .init(
                    address: .hostname(options.host, port: options.port),
                    serverName: "flexfin-api"),
                onServerRunning: { channel in
                    log.notice("flexfin-api on http://\(options.host):\(channel.localAddress?.port ?? options.port)/")
                }, logger: log))
        try await ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: log).run()
        log.notice("flexfin-api stopped")
    }
}
