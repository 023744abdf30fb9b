import Domain

/// What reaches the risk queue: an explicit `risk.recalculate`, or an event
/// bound to the queue as a trigger (topology.json).
public enum RiskRequest: Sendable {
    case command(RiskRecalculation)
    case trigger(DomainEvent)

    public var id: String {
        switch self {
        case .command(let command): command.commandId
        case .trigger(let event): event.eventId
        }
    }

    /// The command the resulting events answer to.
    var commandId: String {
        switch self {
        case .command(let command): command.commandId
        case .trigger(let event): event.commandId
        }
    }

    /// Whose score it asks for.
    func subjects(largePayment: Int64) -> [String] {
        switch self {
        case .command(let command): [command.userId]
        case .trigger(let event): event.payload.riskSubjects(largePayment: largePayment)
        }
    }
}
