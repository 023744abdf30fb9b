import Foundation
import TestSupport
import XCTest

/// The ops page in a real (headless) Chromium: it shows the queues and a
/// dead-letter group a real failing worker produced, runs a dry run, and a
/// replay through its confirmation step, after which the group is gone and
/// the command applied, under a Content-Security-Policy that lets nothing
/// run but the page's own script. Screenshots: .build/test-output/.
final class OpsPageTests: PipelineTestCase {
    func testAnOperatorSeesTheGroupDryRunsItReplaysItAndTheCommandIsApplied() throws {
        try refuseTransfers(raising: "ledger refused")
        _ = try start("payments-worker", environment: try paymentAttempts(1))
        try submit([boomPayment("ops-1")])
        try workbench.wait(upTo: .seconds(30), for: "ops-1 dead-lettered") { db in
            try db.query("SELECT count(*) FROM command_failures WHERE message_id = 'ops-1' AND state = 'dead-lettered'").int(0, 0) == 1
        }
        let api = try XCTUnwrap(startAPI(arguments: ["--sample-seconds", "1"]).apiURL)
        let key = try apiKey("ops-page", "read,operate")
        let output = repositoryRoot.appendingPathComponent(".build/test-output")

        // The page and the API carry the security headers; the page works
        // under its policy (this whole test drives it), which allows only its
        // own inline script and style, by hash.
        for path in ["/", "/v1/queues", "/openapi.json"] {
            let answer = try HTTPCall.send(URL(string: path, relativeTo: api)!, headers: ["Authorization": "Bearer \(key)"])
            let policy = answer.headers["content-security-policy"] ?? ""
            XCTAssertTrue(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"), "\(path): \(policy)")
            XCTAssertTrue(policy.contains("script-src 'sha256-"), "\(path): \(policy)")
            XCTAssertEqual(answer.headers["x-content-type-options"], "nosniff", path)
            XCTAssertEqual(answer.headers["referrer-policy"], "no-referrer", path)
        }
        let browser = try WebDriver(port: closedPort())
        try browser.open(api)
        try browser.type(key, into: browser.waitFor("#key"))
        try browser.click(browser.waitFor("#connect"))
        // The management API's statistics lag by up to 5 s; the page refreshes every 5 s.
        _ = try browser.waitFor("tr[data-queue='commands.payment'] td[data-consumers='1']", timeout: 30)
        let group = "tr[data-queue='commands.payment'][data-group]"
        XCTAssertTrue(try browser.text(of: group, containing: "ledger refused").contains("$0.05"), "the money the group holds")
        try browser.screenshot(to: output.appendingPathComponent("ops-page-dead-letter-group.png"))

        try stopRefusingTransfers()
        try browser.click(first: "\(group) button[data-action='dry-run']")
        XCTAssertEqual(try browser.text(of: "[data-verdict='would apply']"), "would apply")

        try browser.click(first: "\(group) button[data-action='replay']")
        XCTAssertTrue(try browser.text(of: "#confirm:not([hidden]) #confirm-text").contains("Replay 1 dead letter"))
        XCTAssertEqual(
            try count("SELECT count(*) FROM inbox WHERE message_id = 'ops-1' AND outcome = 'applied'"), 0,
            "nothing moves before the confirmation")
        try browser.click(first: "#confirm-yes")
        _ = try browser.waitFor("#no-groups:not([hidden])")
        XCTAssertEqual(try browser.count(group), 0)
        try workbench.wait(upTo: .seconds(30), for: "ops-1 applied") { db in
            try db.query("SELECT count(*) FROM inbox WHERE message_id = 'ops-1' AND outcome = 'applied'").int(0, 0) == 1
        }
        try browser.screenshot(to: output.appendingPathComponent("ops-page-after-replay.png"))
        print("screenshots: \(output.path)")
    }
}
