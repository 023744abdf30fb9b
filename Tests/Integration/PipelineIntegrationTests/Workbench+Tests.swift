import Foundation
import Glibc
import PipelineHarness

// What only the tests do with the workbench: the shipped benchmark never
// kills a worker or waits on the outbox alone.

extension Workbench {
    /// Waits until every event in the outbox is published and marked (a
    /// killed worker's are republished by the relay of a live one).
    func waitUntilOutboxDrained(upTo timeout: Duration) throws {
        try wait(upTo: timeout, for: "the outbox to drain") { db in
            try db.query("SELECT count(*) FROM outbox").int(0, 0) == 0
        }
    }
}

extension RunningWorker {
    /// SIGKILL: no chance to finish anything.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
