import DeadLetterRecords
import Domain
import Foundation
import Logging
import PostgresClient
import Prometheus
import Telemetry
import Topology

/// Queue depth over time for the ops page: every queue of the topology,
/// sampled by the API into PostgreSQL (so a restart loses no history),
/// kept 48 hours. Each round also reads what the dead letters' records hold
/// (how many, and the money), for `/metrics` and its alerts.
enum QueueSampler {
    /// A round every `seconds`, as a service of the API's group.
    static func service(_ pool: ServicePool, topology: TopologySpec, every seconds: Int, log: Logger) -> Every {
        Every(.seconds(seconds)) { round in
            let prune = round % 360 == 0  // about hourly
            do {
                try await pool.run { connections in
                    try sample(connections, topology: topology, prune: prune)
                }
            } catch {
                log.warning("queue depth not sampled", metadata: ["error": "\(error)"])
            }
        }
    }

    private static func sample(_ connections: ServicePool.Connections, topology: TopologySpec, prune: Bool) throws {
        let snapshot = try QueueMonitor(plan: BrokerPlan(topology), management: connections.settings.managementAPI)
            .snapshot(connection: connections.broker())
        let queues = snapshot.queues.filter(\.exists)
        let database = try connections.database()
        try database.execute(
            prepared: """
                INSERT INTO queue_depth_samples (queue, sampled_at, ready, unacknowledged, consumers)
                SELECT q, now(), r, u, c FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) AS s(q, r, u, c)
                ON CONFLICT DO NOTHING
                """, [queues.map(\.queue), queues.map(\.ready), queues.map { $0.unacknowledged ?? 0 }, queues.map(\.consumers)])
        if prune { try database.execute(prepared: "DELETE FROM queue_depth_samples WHERE sampled_at < now() - interval '48 hours'", []) }
        let holdings = try DeadLetterRecords.holdings(database)
        for work in topology.queues {
            let holding = holdings[work.deadLetterQueue] ?? DeadLetterRecords.Holding()
            var money: [String: Int64] = [:]
            for (currency, amount) in holding.money {
                // A label per ISO code only: an invalid letter's "currency" is any text.
                let label = Currency(currency) == nil ? "invalid" : currency
                let (sum, overflow) = money[label, default: 0].addingReportingOverflow(amount)
                money[label] = overflow ? .max : sum
            }
            DeadLetterMoney.shared.set(queue: work.name, held: holding.count, money)
        }
    }

    /// At most 300 points per queue over the last `hours`: the highest
    /// depth of each slice, so a spike is never averaged away.
    static func history(hours: Int, in database: PostgresConnection) throws -> JSONValue {
        let slice = max(1, hours * 3600 / 300)
        let rows = try database.execute(
            prepared: """
                SELECT queue, (floor(extract(epoch FROM sampled_at) / $2) * $2)::int8 AS t, max(ready) AS ready, max(consumers) AS consumers
                FROM queue_depth_samples WHERE sampled_at > now() - make_interval(hours => $1)
                GROUP BY queue, t ORDER BY queue, t
                """, [hours, slice])
        var series: [String: [JSONValue]] = [:]
        for row in 0..<rows.count {
            series[try rows.decode(row, "queue", as: String.self), default: []].append(
                .array([
                    .integer(try rows.decode(row, "t")), .integer(try rows.decode(row, "ready")),
                    .integer(try rows.decode(row, "consumers")),
                ]))
        }
        return .object([
            "hours": .integer(Int64(hours)), "slice_seconds": .integer(Int64(slice)),
            "points": "[epoch seconds, ready, consumers]", "queues": .object(JSONObject(series.mapValues(JSONValue.array))),
        ])
    }
}

/// `flexfin_dead_letters_held{queue}`: the dead letters a queue's record
/// holds (not replayed, not purged), and
/// `flexfin_dead_letter_money_minor_units{queue, currency}`: what they would
/// move, per currency; a currency seen before and gone now reads 0.
final class DeadLetterMoney: @unchecked Sendable {
    static let shared = DeadLetterMoney()
    private let lock = NSLock()
    private var seen: [String: Set<String>] = [:]

    func set(queue: String, held: Int, _ money: [String: Int64]) {
        MetricsRegistry.shared.makeGauge(
            descriptor: .flexfin("dead_letters", "held", "Dead letters a queue's record holds, not replayed or purged."),
            labels: [("queue", queue)]
        ).set(to: Double(held))
        let currencies = lock.withLock {
            seen[queue, default: []].formUnion(money.keys)
            return seen[queue]!
        }
        for currency in currencies {
            MetricsRegistry.shared.makeGauge(
                descriptor: .flexfin("dead_letter_money", "minor_units", "Money the dead letters of a queue would move, by currency."),
                labels: [("queue", queue), ("currency", currency)]
            ).set(to: Double(money[currency] ?? 0))
        }
    }
}
