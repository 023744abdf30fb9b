import Foundation
import Submission

/// The W1 command stream and its expected end state, both from the shared
/// generator (../shared/bench/gen_w1.py), so every implementation is driven
/// by the identical work and judged by the same numbers.
public struct W1Workload: Sendable {
    public struct Expected: Decodable, Sendable {
        public let lines: Int
        public let unique: Int
        public let completed: Int
        public let rejected: Int
        public let expectedAuditRows: Int
        public let expectedNotificationRows: Int
        public let expectedLedgerRows: Int
        public let totalBalance: Int64
        public let finalBalancesSha256: String
        /// The generator leaves this out of its summary (see README); it is 2 × completed.
        public var expectedTaxRows: Int { 2 * completed }

        public var followUps: FollowUpCounts {
            FollowUpCounts(audit: expectedAuditRows, notifications: expectedNotificationRows, tax: expectedTaxRows)
        }

        enum CodingKeys: String, CodingKey {
            case lines, unique, completed, rejected
            case expectedAuditRows = "expected_audit_rows"
            case expectedNotificationRows = "expected_notification_rows"
            case expectedLedgerRows = "expected_ledger_rows"
            case totalBalance = "total_balance"
            case finalBalancesSha256 = "final_balances_sha256"
        }
    }

    public let commands: [SubmittedCommand]
    public let expected: Expected

    public static let wallets = 1000
    public static let funding: Int64 = 1_000_000

    /// Runs the generator for the stream (or reads `file`) and its summary.
    public static func load(n: Int, seed: Int, file: String?, generator: URL) throws -> W1Workload {
        let stream =
            try file.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
            ?? run(generator, ["--n", String(n), "--seed", String(seed)])
        let parsed = CommandFile(contents: stream)
        guard parsed.refusals.isEmpty else { throw WorkbenchError("the W1 stream has refused lines: \(parsed.refusals.prefix(3))") }
        // The summary describes the generator's stream for n and seed; a
        // --file must be that same stream.
        let expected = try JSONDecoder().decode(
            Expected.self, from: run(generator, ["--n", String(n), "--seed", String(seed), "--summary"]))
        guard expected.lines == parsed.commands.count else {
            throw WorkbenchError("the stream has \(parsed.commands.count) commands, the summary for --n \(n) expects \(expected.lines)")
        }
        return W1Workload(commands: parsed.commands, expected: expected)
    }

    /// `../shared/bench/gen_w1.py` beside the checkout, or FLEXFIN_W1_GENERATOR.
    public static func locateGenerator(repository: URL) -> URL {
        if let path = ProcessInfo.processInfo.environment["FLEXFIN_W1_GENERATOR"] { return URL(fileURLWithPath: path) }
        return repository.deletingLastPathComponent().appendingPathComponent("shared/bench/gen_w1.py")
    }

    private static func run(_ generator: URL, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", generator.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw WorkbenchError("\(generator.path) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return data
    }
}
