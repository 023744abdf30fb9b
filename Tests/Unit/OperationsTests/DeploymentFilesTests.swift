import Foundation
import PipelineHarness
import TestSupport
import XCTest

/// deploy/k8s and deploy/systemd, checked offline: the manifests against
/// Kubernetes' schemas (kubernetes-validate) and the KEDA and RabbitMQ
/// operator schemas, with their cross-references; the units with
/// `systemd-analyze verify`. Each check is shown failing on a broken copy.
final class DeploymentFilesTests: XCTestCase {
    private let k8s = repositoryRoot.appendingPathComponent("deploy/k8s")
    private let systemd = repositoryRoot.appendingPathComponent("deploy/systemd")
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("flexfin-deploy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func testTheKubernetesManifestsValidate() throws {
        let (status, output) = try ExternalTool.run([k8s.appendingPathComponent("validate").path])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.hasSuffix("problems: 0\n"), output)
        // What is there to validate: every kind the issue names.
        for kind in [
            "Deployment", "ScaledObject", "TriggerAuthentication", "Job", "ConfigMap", "Secret", "PodDisruptionBudget", "RabbitmqCluster",
        ] {
            let files = try FileManager.default.subpathsOfDirectory(atPath: k8s.path).filter { $0.hasSuffix(".yaml") }
            XCTAssertTrue(
                try files.contains { try String(contentsOf: k8s.appendingPathComponent($0), encoding: .utf8).contains("kind: \(kind)\n") },
                "no \(kind) in deploy/k8s")
        }
    }

    /// The operator alone deploys its newest broker (4.x today): the
    /// cluster names the version the suite runs against.
    func testTheBrokerVersionIsPinnedToTheTestedOne() throws {
        let cluster = try String(contentsOf: k8s.appendingPathComponent("rabbitmq-cluster.yaml"), encoding: .utf8)
        let image = try XCTUnwrap(
            cluster.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("image:") },
            "rabbitmq-cluster.yaml names no image")
        XCTAssertTrue(image.contains("rabbitmq:3.10."), "pinned to the tested 3.10: \(image)")
    }

    func testABrokenManifestIsNamedWithWhatIsWrong() throws {
        let copy = scratch.appendingPathComponent("k8s")
        try FileManager.default.copyItem(at: k8s, to: copy)
        try edit(copy.appendingPathComponent("workers/payments-worker.yaml")) {
            $0.replacingOccurrences(of: "minReplicaCount:", with: "minReplicas:")
                .replacingOccurrences(of: "  replicas: 2\n", with: "  replica: 2\n")
        }
        try edit(copy.appendingPathComponent("api.yaml")) { $0.replacingOccurrences(of: "path: /readyz", with: "path: /ready") }
        try edit(copy.appendingPathComponent("workers/audit-worker.yaml")) {
            $0 + "---\n"
                + (try String(contentsOf: copy.appendingPathComponent("workers/tax-worker.yaml"), encoding: .utf8))
                .components(separatedBy: "---\n").last!
                .replacingOccurrences(of: "name: tax-worker", with: "name: audit-worker")
                .replacingOccurrences(of: "events.tax", with: "events.audit")
        }
        try FileManager.default.removeItem(at: copy.appendingPathComponent("workers/risk-worker.yaml"))

        let (status, output) = try ExternalTool.run([k8s.appendingPathComponent("validate").path, copy.path])
        XCTAssertEqual(status, 1, output)
        for expected in [
            "ScaledObject payments-worker: spec: Additional properties are not allowed ('minReplicas' was unexpected)",
            "Deployment payments-worker: spec",
            "Deployment flexfin-api container api: readiness is not /readyz",
            "ScaledObject audit-worker scales the consumers of events.audit, which has a single active consumer",
            "work queue commands.risk has no ScaledObject",
        ] {
            XCTAssertTrue(output.contains(expected), "expected \"\(expected)\" in:\n\(output)")
        }
    }

    func testTheSystemdUnitsVerify() throws {
        let (status, output) = try verify(units(editing: { $0 }))
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output, "", "systemd-analyze warns about nothing")
        let worker = try String(contentsOf: systemd.appendingPathComponent("flexfin-worker@.service"), encoding: .utf8)
        XCTAssertTrue(worker.contains("Restart=on-failure\n") && worker.contains("RestartPreventExitStatus=2 64\n"), worker)

        let broken = try verify(units { $0.replacingOccurrences(of: "TimeoutStopSec=60", with: "TimeoutStopSec=a minute") })
        XCTAssertTrue(broken.output.contains("Failed to parse"), "a bad value is reported: \(broken.output)")
    }

    /// Copies of the units, their executables pointing at this build's
    /// (verify checks that each exists), the worker template instantiated.
    private func units(editing change: (String) -> String) throws -> [URL] {
        let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/"
        let folder = scratch.appendingPathComponent(UUID().uuidString.prefix(8).description)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try ["flexfin-migrate.service", "flexfin-topology.service", "flexfin-api.service", "flexfin-worker@.service"].map { name in
            let text = try String(contentsOf: systemd.appendingPathComponent(name), encoding: .utf8)
            let target = folder.appendingPathComponent(name.replacingOccurrences(of: "@.", with: "@payments."))
            try change(text.replacingOccurrences(of: "/usr/local/bin/", with: binaries)).write(
                to: target, atomically: true, encoding: .utf8)
            return target
        }
    }

    private func verify(_ units: [URL]) throws -> (status: Int32, output: String) {
        try ExternalTool.run(["systemd-analyze", "verify"] + units.map(\.path))
    }

    private func edit(_ file: URL, _ change: (String) throws -> String) throws {
        try change(try String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
    }
}
