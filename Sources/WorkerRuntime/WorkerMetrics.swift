import Foundation
import Prometheus
import Telemetry

/// A worker process's instruments, on the process's Prometheus registry:
/// what `/metrics` serves while it runs and what its statistics line says at
/// exit. Histograms, so memory stays bounded however long it runs. Labels
/// are bounded: worker, phase, retry tier, error class, service.
public final class WorkerMetrics: Sendable {
    let worker: String
    private let registry: PrometheusCollectorRegistry
    let processed: Counter
    let rejected: Counter
    let duplicates: Counter
    let conflicts: Counter
    let batchSize: ValueHistogram
    let batchDuration: DurationHistogram
    let latency: DurationHistogram
    let outboxBacklog: Gauge
    let outboxOldestAge: Gauge
    let cacheAvailable: Gauge
    let lanesConsuming: Gauge

    public init(worker: String, registry: PrometheusCollectorRegistry = MetricsRegistry.shared) {
        self.worker = worker
        self.registry = registry
        let labels = [("worker", worker)]
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: .flexfin(name, "total", help), labels: labels)
        }
        func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: .flexfin(name, unit, help), labels: labels)
        }
        processed = counter("messages_processed", "Messages whose outcome committed for the first time: applied or rejected.")
        rejected = counter("messages_rejected", "Processed messages that a business rule rejected (a subset of processed).")
        duplicates = counter("duplicates_absorbed", "Redeliveries and resubmissions the inbox recognised: acknowledged with no effect.")
        conflicts = counter("conflicts_refused", "Messages that reused an id for other content: refused, nothing applied.")
        batchSize = registry.makeValueHistogram(
            descriptor: .flexfin("batch_size", "messages", "Messages per batch."),
            labels: labels, buckets: Buckets.batchSize)
        batchDuration = registry.makeDurationHistogram(
            descriptor: .flexfin("batch_duration", "seconds", "From a batch's first decode to its ack and publish."),
            labels: labels, buckets: Buckets.batchDuration)
        latency = registry.makeDurationHistogram(
            descriptor: .flexfin(
                "end_to_end_latency", "seconds", "From an event's occurred_at (a command's submission) to the commit that consumed it."),
            labels: labels, buckets: Buckets.latency)
        outboxBacklog = gauge("outbox_backlog", "events", "Events committed and not yet confirmed by the broker (the whole outbox).")
        outboxOldestAge = gauge("outbox_oldest_age", "seconds", "Age of the oldest outbox row; 0 when the outbox is empty.")
        cacheAvailable = gauge("cache", "up", "1 when every lane's Redis link is up, else 0.")
        lanesConsuming = gauge("consuming", "lanes", "Lanes connected to the broker and PostgreSQL and consuming.")
        // Every series a label can take exists from the start at 0, so
        // rate() and increase() see the first one.
        for service in ["broker", "database", "cache", "other"] { reconnects(service).increment(by: Int64(0)) }
        for errorClass in FailedMessage.ErrorClass.allCases { deadLettered(errorClass: errorClass.rawValue).increment(by: Int64(0)) }
    }

    /// Creates the tiers' series (at 0) before any retry.
    func declare(tiers: [String]) {
        for tier in tiers { retried(tier: tier).increment(by: Int64(0)) }
    }

    func phase(_ name: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: .flexfin(
                "batch_phase_duration", "seconds", "Time per batch in one phase: decode, transaction, cache, ack and publish."),
            labels: [("worker", worker), ("phase", name)], buckets: Buckets.batchDuration)
    }

    func retried(tier: String) -> Counter {
        registry.makeCounter(
            descriptor: .flexfin("messages_retried", "total", "Failed messages sent to a retry tier."),
            labels: [("worker", worker), ("tier", tier)])
    }

    func deadLettered(errorClass: String) -> Counter {
        registry.makeCounter(
            descriptor: .flexfin("messages_dead_lettered", "total", "Messages sent to the dead-letter queue, by error class."),
            labels: [("worker", worker), ("error_class", errorClass)])
    }

    /// `service`: broker, database, cache or other (what the lane lost).
    func reconnect(_ service: String) { reconnects(service).increment() }

    private func reconnects(_ service: String) -> Counter {
        registry.makeCounter(
            descriptor: .flexfin("reconnects", "total", "Sessions dropped and opened again, by the service whose failure caused it."),
            labels: [("worker", worker), ("service", service)])
    }

    /// The statistics line at exit, read from the same instruments; the
    /// percentiles are estimated from the histograms' buckets as
    /// Prometheus' `histogram_quantile` does.
    public struct Summary: Codable, Sendable {
        public let worker: String
        public let batches: Int
        public let messages: Int
        public let deadLettered: Int
        public let batchSizeP50: Int
        public let batchSizeP99: Int
        public let batchMillisecondsP50: Double
        public let batchMillisecondsP99: Double
        /// Median milliseconds per batch in each phase.
        public let phaseMillisecondsP50: [String: Double]
    }

    public func summary() -> Summary {
        let text = PrometheusText(MetricsRegistry.text(registry))
        let mine = ["worker": worker]
        func milliseconds(_ q: Double, _ name: String, _ labels: [String: String] = [:]) -> Double {
            (text.quantile(q, of: name, labels.merging(mine) { a, _ in a }) ?? 0) * 1000
        }
        let phases = text.values(of: "phase", in: "flexfin_batch_phase_duration_seconds_count")
        return Summary(
            worker: worker, batches: Int(text.sum("flexfin_batch_size_messages_count", mine)),
            messages: Int(text.sum("flexfin_batch_size_messages_sum", mine)),
            deadLettered: Int(text.sum("flexfin_messages_dead_lettered_total", mine)),
            batchSizeP50: Int((text.quantile(0.5, of: "flexfin_batch_size_messages", mine) ?? 0).rounded()),
            batchSizeP99: Int((text.quantile(0.99, of: "flexfin_batch_size_messages", mine) ?? 0).rounded()),
            batchMillisecondsP50: milliseconds(0.5, "flexfin_batch_duration_seconds"),
            batchMillisecondsP99: milliseconds(0.99, "flexfin_batch_duration_seconds"),
            phaseMillisecondsP50: Dictionary(
                uniqueKeysWithValues: phases.map {
                    ($0, milliseconds(0.5, "flexfin_batch_phase_duration_seconds", ["phase": $0]))
                }))
    }
}
