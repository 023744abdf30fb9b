import Domain
import Foundation
import PostgresClient
import WorkerRuntime

extension AuditHandler {
    /// An operator's action (a dead-letter replay or purge, a decision on a
    /// held command), appended through the audit worker's own code: such
    /// actions are never published, so no worker would see them. Runs in
    /// the caller's transaction.
    public static func record(_ action: EventPayload, in database: PostgresConnection) throws {
        let event = DomainEvent(action, occurredAt: Date(), commandId: "operator-\(RandomUUID.lowercased().prefix(8))")
        let audit = AuditHandler()
        _ = try audit.apply([try audit.decode(InboundMessage(body: event.encoded()))], in: database)
    }
}
