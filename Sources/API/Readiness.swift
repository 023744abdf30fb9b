import Foundation
import Logging
import Telemetry

/// `/readyz` of the API: whether the broker, PostgreSQL and Redis answered
/// the last probe (every 2 s, on the service pool; the answer itself never
/// blocks). `prober` is the probing loop, a service of the API's group.
final class Readiness: @unchecked Sendable {
    private let lock = NSLock()
    private var state: [String: Bool] = ["broker": false, "database": false, "cache": false]

    func prober(_ pool: ServicePool) -> Every {
        Every(.seconds(2)) { [self] _ in
            let probed =
                (try? await pool.run { connections -> [String: Bool] in
                    [
                        "broker": (try? connections.producer()) != nil,
                        "database": (try? connections.database().query("SELECT 1")) != nil,
                        "cache": (try? connections.cache().command(["PING"])) != nil,
                    ]
                }) ?? ["broker": false, "database": false, "cache": false]
            lock.withLock { state = probed }
        }
    }

    var checks: ReadinessChecks { { [self] in lock.withLock { state } } }
}
