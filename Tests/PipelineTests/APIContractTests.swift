import Benchmark
import Foundation
import TestSupport
import XCTest

/// schemathesis (PyPI; `deploy/local/test` installs it) generates requests
/// from the committed OpenAPI document, valid and invalid, and checks every
/// answer against it: no server error, only documented statuses, bodies
/// of the documented shape, invalid input refused, 405 for other methods.
/// Left out: "schema-valid data is accepted" — the door also checks what
/// JSON Schema cannot say (ISO currencies, payer ≠ payee, …) and refuses it.
final class APIContractTests: PipelineTestCase {
    func testSchemathesisFindsNoFailureAgainstTheRunningServer() throws {
        let api = try XCTUnwrap(startAPI().apiURL)
        let key = try apiKey("schemathesis", "submit,read,operate", rate: 100_000)
        let (status, text) = try ExternalTool.run([
            "schemathesis", "run", api.appendingPathComponent("openapi.json").absoluteString,
            "--header", "Authorization: Bearer \(key)", "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-examples", "30", "--seed", "1", "--no-color",
        ])
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("generated"), "schemathesis ran its cases:\n\(text)")
    }
}
