import Foundation

/// Runs the real `flexfin` executable (built beside the test bundle) and
/// returns its exit status and output.
public struct FlexfinRun {
    public let status: Int32
    public let output: String
    public let errors: String
}

public func runFlexfin(_ arguments: [String], environment: [String: String] = [:]) throws -> FlexfinRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("flexfin")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return FlexfinRun(
        status: process.terminationStatus,
        output: String(decoding: out, as: UTF8.self), errors: String(decoding: err, as: UTF8.self))
}

/// The checkout's root, found from this file's path.
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
