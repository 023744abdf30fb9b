import AMQPClient
import Foundation
import PostgresClient
import RedisClient
import Settings
import Submission
import Topology

/// The blocking C clients behind the async handlers: a few dedicated
/// threads, each with connections of its own, opened on first use and
/// dropped after a failure (the next job opens them again). Nothing here
/// runs on Swift's cooperative pool, which a blocking call would starve.
final class ServicePool: @unchecked Sendable {
    /// One thread's connections; only that thread touches them.
    final class Connections {
        let settings: ServiceSettings
        let topology: TopologySpec
        private var openDatabase: PostgresConnection?
        private var openCache: RedisConnection?
        private var openProducer: CommandProducer?
        private var openBroker: AMQPConnection?

        init(settings: ServiceSettings, topology: TopologySpec) {
            self.settings = settings
            self.topology = topology
        }

        func database() throws -> PostgresConnection {
            if let openDatabase, openDatabase.isConnected { return openDatabase }
            openDatabase = try settings.connectDatabase()
            return openDatabase!
        }

        func cache() throws -> RedisConnection {
            if let openCache { return openCache }
            openCache = try settings.connectCache()
            return openCache!
        }

        /// One attempt per call: a broker that is away fails the request
        /// at once (503), it is not waited for.
        func producer() throws -> CommandProducer {
            if let openProducer, !Self.idleTooLong(since: &producerUsed) { return openProducer }
            openProducer = nil
            openProducer = try CommandProducer(settings: settings, topology: topology, reconnectFor: .zero)
            producerUsed = .now
            return openProducer!
        }

        /// For passive declares when the management API is away.
        func broker() throws -> AMQPConnection {
            if let openBroker, !Self.idleTooLong(since: &brokerUsed) { return openBroker }
            openBroker?.close()
            openBroker = try settings.connectBroker(as: "flexfin-api")
            brokerUsed = .now
            return openBroker!
        }

        /// librabbitmq sends heartbeats only from inside its calls, so the
        /// broker closes a connection left idle past its heartbeat timeout
        /// ("missed heartbeats from client"), and its next request failed
        /// with 503. Connections idle for longer than that are opened
        /// afresh instead.
        private static func idleTooLong(since used: inout ContinuousClock.Instant) -> Bool {
            defer { used = .now }
            return ContinuousClock.now - used > .seconds(AMQPOptions().heartbeat / 2)
        }
        private var producerUsed = ContinuousClock.now, brokerUsed = ContinuousClock.now

        /// After a failure: whatever it was, open afresh next time.
        func drop() {
            openBroker?.close()
            (openDatabase, openCache, openProducer, openBroker) = (nil, nil, nil, nil)
        }
        func dropCache() { openCache = nil }
    }

    struct Busy: Error {}

    private let condition = NSCondition()
    private var jobs: [(Connections) -> Void] = []
    private let queueLimit: Int

    /// `queueLimit`: jobs waiting beyond it are refused (`Busy`, a 503)
    /// rather than queued without bound.
    init(threads: Int, queueLimit: Int, settings: ServiceSettings, topology: TopologySpec) {
        self.queueLimit = queueLimit
        for index in 0..<threads {
            let thread = Thread { [self] in
                let connections = Connections(settings: settings, topology: topology)
                while true { takeJob()(connections) }
            }
            thread.name = "api-services-\(index)"
            thread.start()
        }
    }

    private func takeJob() -> (Connections) -> Void {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty { condition.wait() }
        return jobs.removeFirst()
    }

    /// Runs `job` on one of the pool's threads and resumes with its result.
    func run<T: Sendable>(_ job: @escaping @Sendable (Connections) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            guard jobs.count < queueLimit else { return continuation.resume(throwing: Busy()) }
            jobs.append { connections in
                do { continuation.resume(returning: try job(connections)) } catch {
                    if !(error is APIError) { connections.drop() }
                    continuation.resume(throwing: error)
                }
            }
            condition.signal()
        }
    }
}
