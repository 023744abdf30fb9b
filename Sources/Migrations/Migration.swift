import Crypto
import Foundation

/// One versioned SQL file, `NNNN_name.sql`, applied once in a transaction.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// `0002_inbox_and_outbox.sql` -> version 2, name `inbox_and_outbox`.
    init?(fileName: String, sql: String) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else { return nil }
        self.init(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }

    /// The migrations shipped with this build, in version order.
    public static func bundled() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "SQL", withExtension: nil) else {
            throw MigrationError(message: "the bundled SQL folder is missing from this build")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let migrations = try files.compactMap { file in
            Migration(fileName: file, sql: try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8))
        }.sorted { $0.version < $1.version }
        for (earlier, later) in zip(migrations, migrations.dropFirst()) where earlier.version == later.version {
            throw MigrationError(message: "two migrations share version \(later.version): \(earlier.name), \(later.name)")
        }
        return migrations
    }

    public var label: String { String(format: "%04d_%@", version, name) }

    /// SHA-256 of the SQL text, recorded when applied.
    public var checksum: String { SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined() }
}

public struct MigrationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
