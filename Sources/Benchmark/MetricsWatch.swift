import Foundation
import PipelineHarness
import Telemetry

/// Scrapes every worker's `/metrics` once a second while a run goes on, as
/// Prometheus would: the processed counts it saw on the way, and a last
/// scrape once the run is complete.
final class MetricsWatch: @unchecked Sendable {
    struct Series: Sendable {
        let worker: String
        /// `flexfin_messages_processed_total` at each scrape, in order.
        var processed: [Double] = []
        var last: PrometheusText?
    }

    private let lock = NSLock()
    private var series: [Series]
    private let urls: [URL]
    private let stopped = DispatchSemaphore(value: 0)
    private var stopping = false

    init(_ workers: [RunningWorker]) {
        series = workers.map { Series(worker: $0.name) }
        urls = workers.compactMap(\.metricsURL)
        Thread { [self] in
            repeat { scrapeAll() } while stopped.wait(timeout: .now() + 1) == .timedOut
        }.start()
    }

    private func scrapeAll() {
        for (index, url) in urls.enumerated() {
            // A missed scrape is only a gap, as it is for Prometheus.
            guard let text = try? MetricsScrape.fetch(url) else { continue }
            lock.withLock {
                series[index].processed.append(text.sum("flexfin_messages_processed_total"))
                series[index].last = text
            }
        }
    }

    /// Stops the scraping after one last scrape of every worker.
    func finish() -> [Series] {
        stopped.signal()
        scrapeAll()
        return lock.withLock { series }
    }
}
