import Foundation
import PipelineHarness
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
        let server = try startAPI()
        let api = try XCTUnwrap(server.apiURL)
        let key = try apiKey("schemathesis", "submit,read,operate", rate: 100_000)
        let (status, text) = try ExternalTool.run([
            "schemathesis", "run", api.appendingPathComponent("openapi.json").absoluteString,
            "--header", "Authorization: Bearer \(key)", "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-examples", "30", "--seed", "1", "--no-color",
        ])
        // A 500 names its cause only in the API's log: shown with the failure.
        XCTAssertEqual(
            status, 0,
            text + "\nthe API's log:\n"
                + server.logText.split(separator: "\n").filter { $0.contains("request failed") }
                .joined(separator: "\n"))
        XCTAssertTrue(text.contains("generated"), "schemathesis ran its cases:\n\(text)")
    }
}
