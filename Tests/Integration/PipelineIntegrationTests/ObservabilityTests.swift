import AMQPClient
import Foundation
import PipelineHarness
import Telemetry
import TestSupport
import XCTest

/// deploy/observability: the alert rules pass `promtool check rules` and
/// their unit tests (`promtool test rules`), the scrape config passes
/// `promtool check config`, and every metric the rules and the dashboard
/// name is one a real broker, worker or API serves.
final class ObservabilityTests: PipelineTestCase {
    private let folder = repositoryRoot.appendingPathComponent("deploy/observability")

    func testPromtoolChecksTheRulesRunsTheirUnitTestsAndChecksTheScrapeConfig() throws {
        for arguments in [["check", "rules", "alerts.yml"], ["test", "rules", "alerts.test.yml"], ["check", "config", "prometheus.yml"]] {
            let (status, output) = try ExternalTool.run(["promtool"] + arguments, in: folder)
            XCTAssertEqual(status, 0, "promtool \(arguments.joined(separator: " ")):\n\(output)")
            XCTAssertTrue(output.contains("SUCCESS"), output)
        }
    }

    func testEveryMetricTheRulesAndTheDashboardNameIsServed() throws {
        let worker = try start("payments-worker", metrics: true)
        let api = try startAPI(arguments: ["--sample-seconds", "1"], metrics: true)
        // One dead letter (invalid: no payee), so the API's money gauge has a series.
        let channel = try settings.connectBroker().openChannel()
        try channel.enableConfirms()
        try channel.publish(
            exchange: topology.commandExchange, routingKey: "payment",
            message: AMQPMessage(
                body: Array(#"{"command_id":"o-1","type":"payment","payer":"w0001","amount":5,"currency":"USD"}"#.utf8),
                properties: AMQPProperties(messageId: "o-1")))
        try channel.waitForConfirms()
        _ = try HTTPCall.send(XCTUnwrap(api.apiURL).appendingPathComponent("v1/queues"))  // a request for the API's own series
        let rabbit = URL(
            string: (ProcessInfo.processInfo.environment["FLEXFIN_AMQP_PROMETHEUS_URL"] ?? "http://127.0.0.1:15693")
                + "/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count")!
        var served = Set<String>()
        try workbench.wait(upTo: .seconds(20), for: "every source to serve its series") { _ in
            served = try [rabbit, XCTUnwrap(worker.metricsURL), XCTUnwrap(api.metricsURL)].reduce(into: Set<String>()) { names, url in
                names.formUnion(try MetricsScrape.fetch(url).samples.map(\.name))
            }
            return served.contains("flexfin_dead_letter_money_minor_units") && served.contains("http_server_request_duration_bucket")
        }
        let rules = try String(contentsOf: folder.appendingPathComponent("alerts.yml"), encoding: .utf8)
        let dashboard = try String(contentsOf: folder.appendingPathComponent("grafana-dashboard.json"), encoding: .utf8)
        let named = Self.metricNames(in: rules + dashboard)
        XCTAssertGreaterThan(named.count, 10)
        for name in named.subtracting(["up"]) {
            XCTAssertTrue(served.contains(name), "\(name) is named in deploy/observability but nothing serves it")
        }
    }

    /// Names that look like metrics: rabbitmq_…, flexfin_…, http_server_….
    private static func metricNames(in text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"\b(?:rabbitmq|flexfin|http_server)_[a-z_]+\b|\bup\b"#)
        let range = NSRange(text.startIndex..., in: text)
        return Set(pattern.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
            .filter { !$0.hasSuffix("_") }
    }
}
