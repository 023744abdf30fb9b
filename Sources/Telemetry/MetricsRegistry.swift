import Metrics
import Prometheus
import Synchronization

/// The one Prometheus registry of a process. FlexFin's own instruments are
/// made on it directly (with their help text and buckets); libraries that
/// record through swift-metrics (Hummingbird's request metrics) land in it
/// too, once `bootstrap` has run.
public enum MetricsRegistry {
    public static let shared = PrometheusCollectorRegistry()

    private static let bootstrapped = Atomic<Bool>(false)

    /// Points swift-metrics at `shared`; idempotent (swift-metrics allows
    /// one bootstrap per process).
    public static func bootstrap() {
        guard !bootstrapped.exchange(true, ordering: .relaxed) else { return }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: shared))
    }

    /// The registry in Prometheus' text format, as `/metrics` serves it.
    public static func text(_ registry: PrometheusCollectorRegistry = shared) -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Histogram bounds, shared so a dashboard's quantiles line up everywhere.
public enum Buckets {
    /// Batch and phase durations: 1 ms to 30 s.
    public static let batchDuration: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]
        .map { Duration.microseconds(Int64($0 * 1000)) }
    /// Message counts per batch.
    public static let batchSize: [Double] = [1, 2, 5, 10, 25, 50, 100, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000]
    /// From an event's occurrence (or a command's submission) to the commit
    /// that consumed it: 5 ms to 10 minutes.
    public static let latency: [Duration] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 600000]
        .map { Duration.milliseconds($0) }
}

extension MetricNameDescriptor {
    /// `flexfin_<name>_<unit>`, with its help text.
    public static func flexfin(_ name: String, _ unit: String, _ help: String) -> Self {
        MetricNameDescriptor(namespace: "flexfin", metricName: name, unitName: unit, helpText: help)
    }
}
