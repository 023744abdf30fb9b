import Foundation
import Prometheus
import Telemetry
import XCTest

final class PrometheusTextTests: XCTestCase {
    func testSamplesAreReadWithTheirLabelsAndSummedOverMatchingSeries() {
        let text = PrometheusText(
            """
            # HELP flexfin_messages_retried_total Failed messages sent to a retry tier.
            # TYPE flexfin_messages_retried_total counter
            flexfin_messages_retried_total{worker="payments",tier="flexfin.retry.1s"} 3
            flexfin_messages_retried_total{worker="payments",tier="flexfin.retry.10s"} 2
            flexfin_messages_retried_total{worker="tax",tier="flexfin.retry.1s"} 7
            flexfin_odd{note="a \\"quoted\\" value"} 1.5
            """)
        XCTAssertEqual(text.sum("flexfin_messages_retried_total", ["worker": "payments"]), 5)
        XCTAssertEqual(text.sum("flexfin_messages_retried_total"), 12)
        XCTAssertEqual(text.values(of: "tier", in: "flexfin_messages_retried_total"), ["flexfin.retry.1s", "flexfin.retry.10s"])
        XCTAssertEqual(text.samples.last?.labels["note"], "a \"quoted\" value")
        XCTAssertEqual(text.sum("flexfin_absent"), 0)
    }

    /// The statistics line's percentiles: interpolated within the bucket,
    /// as Prometheus' histogram_quantile.
    func testQuantilesOfARealHistogramAreInterpolatedWithinTheirBucket() throws {
        let registry = PrometheusCollectorRegistry()
        let sizes = registry.makeValueHistogram(
            descriptor: .flexfin("batch_size", "messages", "x"), labels: [("worker", "w")],
            buckets: [10, 100, 500])
        for _ in 0..<50 { sizes.record(50.0) }  // bucket (10, 100]
        for _ in 0..<50 { sizes.record(300.0) }  // bucket (100, 500]
        let text = PrometheusText(MetricsRegistry.text(registry))
        XCTAssertEqual(text.sum("flexfin_batch_size_messages_count", ["worker": "w"]), 100)
        // Rank 50 is the top of (10, 100]; rank 75 halfway through (100, 500].
        XCTAssertEqual(try XCTUnwrap(text.quantile(0.5, of: "flexfin_batch_size_messages")), 100, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(text.quantile(0.75, of: "flexfin_batch_size_messages")), 300, accuracy: 1e-9)
        XCTAssertNil(text.quantile(0.5, of: "flexfin_batch_size_messages", ["worker": "other"]))
    }
}
