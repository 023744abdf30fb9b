import Foundation

/// A headless Chromium driven through chromedriver's WebDriver protocol
/// (plain HTTP and JSON), for the ops page's browser test.
public final class WebDriver {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let driver: Process
    private let base: URL
    private let session: String

    /// Starts chromedriver on `port` and a headless Chromium session.
    public init(port: Int) throws {
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        driver.arguments = ["chromedriver", "--port=\(port)"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        base = URL(string: "http://127.0.0.1:\(port)")!
        let deadline = Date().addingTimeInterval(20)
        while (try? Self.call(base.appendingPathComponent("status"), "GET", nil)) == nil {
            guard Date() < deadline else { throw Failure(description: "chromedriver did not start on port \(port)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let created = try Self.call(
            base.appendingPathComponent("session"), "POST",
            [
                "capabilities": [
                    "alwaysMatch": [
                        "browserName": "chrome",
                        "goog:chromeOptions": [
                            "args": [
                                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100",
                            ]
                        ],
                    ]
                ]
            ])
        guard let id = (created as? [String: Any])?["sessionId"] as? String else {
            throw Failure(description: "no session: \(String(describing: created))")
        }
        session = id
    }

    deinit {
        _ = try? Self.call(base.appendingPathComponent("session/\(session)"), "DELETE", nil)
        driver.terminate()
        driver.waitUntilExit()
    }

    public func open(_ url: URL) throws { _ = try command("url", ["url": url.absoluteString]) }

    /// The first element matching `css`, nil when none does.
    public func find(_ css: String) throws -> String? {
        let found = try command("elements", ["using": "css selector", "value": css]) as? [[String: String]]
        return found?.first?.values.first
    }

    public func count(_ css: String) throws -> Int {
        (try command("elements", ["using": "css selector", "value": css]) as? [Any])?.count ?? 0
    }

    public func click(_ element: String) throws { _ = try command("element/\(element)/click", [:]) }
    public func type(_ text: String, into element: String) throws { _ = try command("element/\(element)/value", ["text": text]) }
    public func text(_ element: String) throws -> String { try command("element/\(element)/text") as? String ?? "" }

    /// Waits (up to `timeout` seconds) for an element matching `css`.
    public func waitFor(_ css: String, timeout: TimeInterval = 30) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let element = try find(css) { return element }
            guard Date() < deadline else { throw Failure(description: "no element \(css) after \(timeout) s") }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// The text of the first element matching `css` once it contains
    /// `expected`, and a click on such an element: found afresh on every try.
    /// A page that re-renders (the ops page redraws its tables every few
    /// seconds) replaces an element between finding it and using it, and
    /// the old one is then a "stale element reference".
    public func text(of css: String, containing expected: String = "", timeout: TimeInterval = 30) throws -> String {
        try retrying(css, timeout) { element in
            let text = try self.text(element)
            // (Foundation's `contains("")` is false.)
            return expected.isEmpty || text.contains(expected) ? text : nil
        }
    }

    public func click(first css: String, timeout: TimeInterval = 30) throws {
        try retrying(css, timeout) { element in try self.click(element) }
    }

    private func retrying<T>(_ css: String, _ timeout: TimeInterval, _ use: (String) throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        var stale = ""
        while true {
            do {
                if let element = try find(css), let result = try use(element) { return result }
            } catch let failure as Failure where failure.description.contains("stale element reference") {
                stale = " (last seen stale)"
            }
            guard Date() < deadline else { throw Failure(description: "no element \(css) as expected after \(timeout) s\(stale)") }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    public func screenshot(to file: URL) throws {
        guard let encoded = try command("screenshot") as? String, let png = Data(base64Encoded: encoded) else {
            throw Failure(description: "no screenshot")
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: file)
    }

    private func command(_ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        try Self.call(base.appendingPathComponent("session/\(session)/\(path)"), body == nil ? "GET" : "POST", body)
    }

    /// Through curl: chromedriver writes `Content-Length:249` (no space),
    /// which Foundation's URLSession on Linux refuses ("Failed writing header").
    private static func call(_ url: URL, _ method: String, _ body: [String: Any]?) throws -> Any? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "curl", "-s", "--max-time", "60", "-X", method, "-H", "Content-Type: application/json",
                "-w", "\n%{http_code}", url.absoluteString,
            ]
            + (try body.map { ["--data-binary", String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self)] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status = text.split(separator: "\n").last.flatMap { Int($0) } ?? 0
        let json = try? JSONSerialization.jsonObject(with: Data(text.dropLast(String(status).count).utf8)) as? [String: Any]
        guard process.terminationStatus == 0, status == 200 else {
            throw Failure(description: "WebDriver \(method) \(url.path): HTTP \(status) \(text)")
        }
        return json?["value"] ?? NSNull()
    }
}
