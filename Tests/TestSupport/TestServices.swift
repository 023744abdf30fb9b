import Foundation
import Settings

/// What integration tests share: the real services' settings and names that
/// do not collide between tests or runs.
public enum TestServices {
    public static let settings: ServiceSettings = {
        do { return try ServiceSettings.fromEnvironment() } catch { fatalError("test settings: \(error)") }
    }()

    /// A name unique to this test run, e.g. `test.amqp.1f3a9c`.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }
}
