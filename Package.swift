// swift-tools-version: 6.0
import PackageDescription

// The layout is the architecture:
//   C shims (system libraries)  ->  one safe Swift wrapper per C library
//   Settings (environment), Migrations (schema as code), Topology (broker as code)
//   flexfin (the operator's command-line tool)
let package = Package(
    name: "FlexFin",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "flexfin", targets: ["flexfin"]),
        .executable(name: "payments-worker", targets: ["payments-worker"]),
        .executable(name: "audit-worker", targets: ["audit-worker"]),
        .executable(name: "notifications-worker", targets: ["notifications-worker"]),
        .executable(name: "tax-worker", targets: ["tax-worker"]),
        .executable(name: "milestones-worker", targets: ["milestones-worker"]),
        .executable(name: "repayments-worker", targets: ["repayments-worker"]),
        .executable(name: "risk-worker", targets: ["risk-worker"]),
        .executable(name: "accounts-worker", targets: ["accounts-worker"]),
        .executable(name: "flexfin-api", targets: ["flexfin-api"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // SHA-256 for the audit hash chain.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Live metrics: swift-metrics is the API the runtime records through,
        // swift-prometheus the registry /metrics renders.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // HTTP for the API and every process's /metrics, /healthz, /readyz.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's own lifecycle: the API's server and loops run as one group of services.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, reached only through the wrappers below.
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS, which SwiftPM refuses (noisy warning).
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),

        // Safe wrappers: own every C pointer, turn status codes into typed errors.
        .target(name: "AMQPClient", dependencies: ["CRabbitMQ"]),
        .target(name: "PostgresClient", dependencies: ["CPostgres"]),
        .target(name: "RedisClient", dependencies: ["CHiredis"]),
        .target(name: "HTTPClient", dependencies: ["CCurl"]),

        // The domain: money, validation, payment rules, events, audit chain, tax rules. No I/O.
        .target(name: "Domain", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // Where the services are, from the environment.
        .target(name: "Settings", dependencies: ["AMQPClient", "PostgresClient", "RedisClient"]),
        // Versioned SQL, applied once each under an advisory lock.
        .target(
            name: "Migrations", dependencies: ["PostgresClient", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("SQL")]),
        // Exchanges, queues and bindings as data (queues/topology.json).
        .target(name: "Topology", dependencies: ["AMQPClient", "HTTPClient", "Settings"]),

        // Metrics and health over HTTP, shared by every worker and the API.
        .target(
            name: "Telemetry",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // Dead letters kept whole in PostgreSQL: what every reader reads.
        .target(name: "DeadLetterRecords", dependencies: ["AMQPClient", "Domain", "PostgresClient"]),

        // The worker runtime: lanes, batches, inbox/outbox, dead letters, shutdown.
        // Nothing domain-specific: a worker supplies its queue and a batch handler.
        .target(
            name: "WorkerRuntime",
            dependencies: [
                "DeadLetterRecords", "Domain", "AMQPClient", "PostgresClient", "RedisClient", "Settings", "Topology", "Telemetry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // One handler per concern; each worker executable only wires it in.
        // The ledger's set-based writes, its verification and the balance cache.
        .target(name: "Ledger", dependencies: ["Domain", "PostgresClient", "RedisClient"]),
        .target(name: "Milestones", dependencies: ["Domain", "Ledger", "WorkerRuntime", "PostgresClient", "RedisClient"]),
        .target(name: "Repayments", dependencies: ["Domain", "Ledger", "WorkerRuntime", "PostgresClient", "RedisClient"]),
        // Escrow funding is a payment that follows a milestone's rules.
        .target(name: "Payments", dependencies: ["Domain", "Ledger", "Milestones", "WorkerRuntime", "PostgresClient", "RedisClient"]),
        // Risk scores from the ledger, for commands and triggering events alike.
        .target(name: "Risk", dependencies: ["Domain", "WorkerRuntime", "PostgresClient", "RedisClient"]),
        // Wallets opened, frozen and closed; money in and out through gateways.
        .target(name: "Accounts", dependencies: ["Domain", "Ledger", "WorkerRuntime", "PostgresClient", "RedisClient"]),
        .target(name: "Audit", dependencies: ["Domain", "WorkerRuntime", "PostgresClient"]),
        .target(name: "Notifications", dependencies: ["Domain", "WorkerRuntime", "PostgresClient", "RedisClient"]),
        .target(name: "Tax", dependencies: ["Domain", "WorkerRuntime", "PostgresClient"]),
        .executableTarget(name: "payments-worker", dependencies: ["Payments", "WorkerRuntime"], path: "Workers/payments-worker"),
        .executableTarget(name: "audit-worker", dependencies: ["Audit", "WorkerRuntime"], path: "Workers/audit-worker"),
        .executableTarget(
            name: "notifications-worker", dependencies: ["Notifications", "WorkerRuntime"], path: "Workers/notifications-worker"),
        .executableTarget(name: "tax-worker", dependencies: ["Tax", "WorkerRuntime"], path: "Workers/tax-worker"),
        .executableTarget(name: "milestones-worker", dependencies: ["Milestones", "WorkerRuntime"], path: "Workers/milestones-worker"),
        .executableTarget(name: "repayments-worker", dependencies: ["Repayments", "WorkerRuntime"], path: "Workers/repayments-worker"),
        .executableTarget(name: "risk-worker", dependencies: ["Risk", "WorkerRuntime"], path: "Workers/risk-worker"),
        .executableTarget(name: "accounts-worker", dependencies: ["Accounts", "WorkerRuntime"], path: "Workers/accounts-worker"),

        // The producer side: commands checked at the door and published with confirms.
        .target(
            name: "Submission",
            dependencies: [
                "Domain", "AMQPClient", "RedisClient", "Settings", "Topology", "WorkerRuntime",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Operators' dead-letter tools: list, show, replay, purge (audited).
        .target(
            name: "DeadLetters",
            dependencies: [
                "AMQPClient", "DeadLetterRecords", "Audit", "Domain", "PostgresClient", "Settings", "Topology", "WorkerRuntime",
                // A dry run evaluates dead letters with the handler of their queue.
                "Payments", "Milestones", "Repayments", "Risk", "Notifications", "Tax", "Accounts",
            ]),

        // The seeded world of `flexfin seed`, the benchmarks and the tests:
        // each kind of thing created through its worker's own code.
        .target(
            name: "SeededWorld",
            dependencies: ["Accounts", "Domain", "Ledger", "Milestones", "Repayments", "WorkerRuntime", "PostgresClient"]),

        // Benchmarks W1 and mixed: broker-only rate, pipeline rate, invariants.
        // The real pipeline in a disposable environment, for the benchmark
        // and the integration tests alike: wipe and seed, start the worker
        // executables, workloads and the invariants they must end in.
        .target(
            name: "PipelineHarness",
            dependencies: [
                "Audit", "Domain", "Ledger", "Migrations", "Milestones", "Repayments", "Risk", "SeededWorld", "Submission", "WorkerRuntime",
                "Settings", "Topology",
                "AMQPClient", "PostgresClient", "RedisClient",
            ]),
        .target(
            name: "Benchmark",
            dependencies: [
                "PipelineHarness", "APIKeys", "Domain", "Ledger", "Risk", "SeededWorld", "Submission", "WorkerRuntime", "Settings",
                "Topology",
                "AMQPClient",
                "PostgresClient", "Telemetry",
            ]),

        // API keys: issued, hashed, scoped, revoked.
        .target(name: "APIKeys", dependencies: ["Domain", "PostgresClient", .product(name: "Crypto", package: "swift-crypto")]),
        // The HTTP API and the ops page, over the same submission and dead-letter code as the CLI.
        .target(
            name: "API",
            dependencies: [
                "APIKeys", "Audit", "DeadLetterRecords", "DeadLetters", "Domain", "Ledger", "Milestones", "Notifications", "Repayments",
                "Risk", "Submission", "Settings", "Tax", "Telemetry", "Topology", "WorkerRuntime",
                "AMQPClient", "PostgresClient", "RedisClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ], resources: [.copy("Resources/openapi.json"), .copy("Resources/ops.html")]),
        .executableTarget(name: "flexfin-api", dependencies: ["API"]),

        .executableTarget(
            name: "flexfin",
            dependencies: [
                "Settings", "Migrations", "Topology", "AMQPClient", "PostgresClient", "RedisClient",
                "Domain", "Ledger", "Payments", "Milestones", "Repayments", "Risk", "Audit", "Notifications", "Tax", "Submission",
                "Accounts", "SeededWorld",
                "WorkerRuntime",
                "Benchmark", "PipelineHarness", "DeadLetterRecords", "DeadLetters", "APIKeys",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests by tier, as the directories show: Tests/Unit needs no
        // server (`deploy/local/test --unit`); Tests/Integration talks to
        // real RabbitMQ, PostgreSQL and Redis.
        .testTarget(name: "DomainTests", dependencies: ["Domain"], path: "Tests/Unit/DomainTests"),
        .testTarget(name: "SettingsTests", dependencies: ["Settings"], path: "Tests/Unit/SettingsTests"),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"], path: "Tests/Unit/TelemetryTests"),
        .testTarget(
            name: "WorkerRuntimeTests", dependencies: ["WorkerRuntime", "TestSupport", "Domain"],
            path: "Tests/Unit/WorkerRuntimeTests"),
        .testTarget(
            name: "OperationsTests",
            dependencies: [
                "Topology", "AMQPClient", "TestSupport", "PipelineHarness", "Benchmark",
                "Domain", "Submission", "Payments", "Milestones", "Repayments", "Risk", "Audit", "Notifications", "Tax", "Accounts",
                "WorkerRuntime",
            ], path: "Tests/Unit/OperationsTests"),
        .testTarget(
            name: "AMQPClientIntegrationTests", dependencies: ["AMQPClient", "Settings", "TestSupport"],
            path: "Tests/Integration/AMQPClientIntegrationTests"),
        .testTarget(
            name: "PostgresClientIntegrationTests", dependencies: ["PostgresClient", "Settings", "TestSupport", "Domain"],
            path: "Tests/Integration/PostgresClientIntegrationTests"),
        .testTarget(
            name: "RedisClientIntegrationTests", dependencies: ["RedisClient", "Settings", "TestSupport"],
            path: "Tests/Integration/RedisClientIntegrationTests"),
        // The lane through an in-memory broker, against real PostgreSQL.
        .testTarget(
            name: "WorkerRuntimeIntegrationTests",
            dependencies: [
                "WorkerRuntime", "PipelineHarness", "TestSupport", "Domain", "AMQPClient", "PostgresClient", "Topology",
                .product(name: "Logging", package: "swift-log"),
            ], path: "Tests/Integration/WorkerRuntimeIntegrationTests"),
        .testTarget(
            name: "OperationsIntegrationTests",
            dependencies: [
                "Migrations", "Topology", "Settings", "AMQPClient", "PostgresClient", "TestSupport", "flexfin",
            ], path: "Tests/Integration/OperationsIntegrationTests"),
        .testTarget(
            name: "PipelineIntegrationTests",
            dependencies: [
                "PipelineHarness", "SeededWorld", "Submission", "Audit", "APIKeys", "Ledger", "Payments", "Milestones", "Repayments",
                "Risk", "Domain",
                "WorkerRuntime", "TestSupport", "Settings", "Topology",
                "AMQPClient", "PostgresClient", "RedisClient",
                "flexfin", "payments-worker", "audit-worker", "notifications-worker", "tax-worker", "milestones-worker",
                "repayments-worker", "risk-worker", "accounts-worker",
            ], path: "Tests/Integration/PipelineIntegrationTests"),
        .target(name: "TestSupport", dependencies: ["Settings"], path: "Tests/TestSupport"),
    ]
)
