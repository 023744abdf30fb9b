import DeadLetters
import Domain
import Foundation
import Prometheus
import Telemetry
import Logging
import PostgresClient
import Topology

/// Queue depth over time for the ops page: every queue of the topology,
/// sampled by the API into PostgreSQL (so a restart loses no history),
/// kept 48 hours. Each round also measures the money dead letters hold,
/// for `/metrics` (the alert on money stuck in dead letters).
enum QueueSampler {
    static func start(_ pool: ServicePool, topology: TopologySpec, every seconds: Int, lock: DeadLetterLock, log: Logger) {
        Task.detached {
            var rounds = 0
            while !Task.isCancelled {
                let prune = rounds % 360 == 0  // about hourly
                do {
                    try await pool.run { connections in
                        try sample(connections, topology: topology, prune: prune, lock: lock)
                    }
                } catch {
                    log.warning("queue depth not sampled", metadata: ["error": "\(error)"])
                }
                rounds += 1
                try? await Task.sleep(for: .seconds(seconds))
            }
        }
    }

    private static func sample(_ connections: ServicePool.Connections, topology: TopologySpec, prune: Bool, lock: DeadLetterLock) throws {
        let snapshot = try QueueMonitor(plan: BrokerPlan(topology), management: connections.settings.managementAPI)
            .snapshot(connection: connections.broker())
        let queues = snapshot.queues.filter(\.exists)
        let database = try connections.database()
        try database.execute(prepared: """
            INSERT INTO queue_depth_samples (queue, sampled_at, ready, unacknowledged, consumers)
            SELECT q, now(), r, u, c FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) AS s(q, r, u, c)
            ON CONFLICT DO NOTHING
            """, [queues.map(\.queue), queues.map(\.ready), queues.map { $0.unacknowledged ?? 0 }, queues.map(\.consumers)])
        if prune { try database.execute(prepared: "DELETE FROM queue_depth_samples WHERE sampled_at < now() - interval '48 hours'", []) }
        for work in topology.queues {
            let held = snapshot.queues.first { $0.queue == work.deadLetterQueue }?.ready ?? 0
            var all = DeadLetterFilter()
            all.all = true
            let letters = held == 0 ? [] : try lock.withLock {
                try DeadLetterQueue(work.name, settings: connections.settings, topology: topology).list(all)
            }
            var money: [String: Int64] = [:]
            for group in DeadLetterGroup.group(letters, queue: work.name) {
                for (currency, amount) in group.money {
                    // A label per ISO code only: an invalid letter's "currency" is any text.
                    let label = Currency(currency) == nil ? "invalid" : currency
                    let (sum, overflow) = money[label, default: 0].addingReportingOverflow(amount)
                    money[label] = overflow ? .max : sum
                }
            }
            DeadLetterMoney.shared.set(queue: work.name, money)
        }
    }

    /// At most 300 points per queue over the last `hours`: the highest
    /// depth of each slice, so a spike is never averaged away.
    static func history(hours: Int, in database: PostgresConnection) throws -> JSONValue {
        let slice = max(1, hours * 3600 / 300)
        let rows = try database.execute(prepared: """
            SELECT queue, (floor(extract(epoch FROM sampled_at) / $2) * $2)::int8 AS t, max(ready), max(consumers)
            FROM queue_depth_samples WHERE sampled_at > now() - make_interval(hours => $1)
            GROUP BY queue, t ORDER BY queue, t
            """, [hours, slice])
        var series: [String: [JSONValue]] = [:]
        for row in 0..<rows.count {
            series[try rows.decode(row, 0, as: String.self), default: []].append(.array([
                .integer(try rows.decode(row, 1, as: Int64.self)), .integer(Int64(try rows.decode(row, 2, as: Int.self))),
                .integer(Int64(try rows.decode(row, 3, as: Int.self))),
            ]))
        }
        return .object(["hours": .integer(Int64(hours)), "slice_seconds": .integer(Int64(slice)),
                        "points": "[epoch seconds, ready, consumers]", "queues": .object(JSONObject(series.mapValues(JSONValue.array)))])
    }
}

/// `flexfin_dead_letter_money_minor_units{queue, currency}`: what the dead
/// letters of a queue would move, per currency; a currency seen before and
/// gone now reads 0.
final class DeadLetterMoney: @unchecked Sendable {
    static let shared = DeadLetterMoney()
    private let lock = NSLock()
    private var seen: [String: Set<String>] = [:]

    func set(queue: String, _ money: [String: Int64]) {
        let currencies = lock.withLock {
            seen[queue, default: []].formUnion(money.keys)
            return seen[queue]!
        }
        for currency in currencies {
            MetricsRegistry.shared.makeGauge(
                descriptor: .flexfin("dead_letter_money", "minor_units", "Money the dead letters of a queue would move, by currency."),
                labels: [("queue", queue), ("currency", currency)]).set(to: Double(money[currency] ?? 0))
        }
    }
}
