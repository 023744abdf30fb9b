import Domain
import PipelineHarness
import PostgresClient
import Telemetry
import Topology

/// What each worker's last scrape says it processed, against what the
/// database holds at the end of a run: a command worker's processed count is
/// its inbox rows (applied + rejected), its rejected count the rejected
/// ones; an event worker's is the audited events its queue receives (the
/// audit log holds every event once).
enum MetricsAgreement {
    static func check(_ scrapes: [MetricsWatch.Series], in db: PostgresConnection, topology: TopologySpec) throws -> [Invariants.Check] {
        try scrapes.map { series in
            let worker = String(series.worker.dropSuffix("-worker"))
            guard let last = series.last, let consumer = Consumer(rawValue: worker) else {
                return Invariants.Check(name: "\(worker): /metrics agrees with the database", ok: false, detail: "never scraped")
            }
            let labels = ["worker": worker]
            let processed = Int(last.sum("flexfin_messages_processed_total", labels))
            let rejected = Int(last.sum("flexfin_messages_rejected_total", labels))
            let moving = Set(series.processed).count > 1
            let want: (processed: Int, rejected: Int)
            if consumer.consumesCommands {
                let rows = try db.execute(
                    prepared: """
                        SELECT count(*) FILTER (WHERE outcome IN ('applied', 'rejected')), count(*) FILTER (WHERE outcome = 'rejected')
                        FROM inbox WHERE consumer = $1
                        """, [worker])
                want = (try rows.decode(0, 0, as: Int.self), try rows.decode(0, 1, as: Int.self))
            } else {
                let queue = "events.\(worker)"
                let types = EventType.allCases.map(\.rawValue)
                    .filter { topology.queues(receiving: $0, from: topology.eventExchange).contains(queue) }
                let rows = try db.execute(prepared: "SELECT count(*) FROM audit_log WHERE event_type = ANY($1::text[])", [types])
                want = (try rows.decode(0, 0, as: Int.self), 0)
            }
            let ok = processed == want.processed && rejected == want.rejected && moving
            return Invariants.Check(
                name: "\(worker): /metrics agrees with the database", ok: ok,
                detail: "processed \(processed) (database \(want.processed)), rejected \(rejected) (database \(want.rejected)), "
                    + "\(series.processed.count) scrapes, \(Set(series.processed).count) distinct processed values")
        }
    }
}

extension String {
    func dropSuffix(_ suffix: String) -> Substring { hasSuffix(suffix) ? dropLast(suffix.count) : self[...] }
}
