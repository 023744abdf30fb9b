/// Every event of the message contract, by its `type`, which is also its
/// routing key on the event exchange (queues/schemas/event.*.json).
///
/// Adding a case here makes the compiler stop at every consumer that has to
/// decide what to do with it: `EventPayload` (its typed data), the audit,
/// notifications, tax and risk handlers (`subscribes(to:)` and what they write).
public enum EventType: String, CaseIterable, Sendable {
    case paymentCompleted = "payment.completed"
    case paymentRejected = "payment.rejected"
    case milestoneCompleted = "milestone.completed"
    case milestoneRejected = "milestone.rejected"
    case milestoneFunded = "milestone.funded"
    case milestoneFundingRejected = "milestone.funding_rejected"
    case milestoneCancelled = "milestone.cancelled"
    case milestoneCancellationRejected = "milestone.cancellation_rejected"
    case projectCreated = "project.created"
    case projectRejected = "project.rejected"
    case debtOpened = "debt.opened"
    case debtOpeningRejected = "debt.opening_rejected"
    case debtRepaid = "debt.repaid"
    case debtPaidOff = "debt.paid_off"
    case debtRepaymentRejected = "debt.repayment_rejected"
    case riskRecalculated = "risk.recalculated"
    case riskChanged = "risk.changed"
    case accountOpened = "account.opened"
    case accountFrozen = "account.frozen"
    case accountUnfrozen = "account.unfrozen"
    case accountClosed = "account.closed"
    case accountRejected = "account.rejected"
    case depositCompleted = "deposit.completed"
    case depositRejected = "deposit.rejected"
    case withdrawalRequested = "withdrawal.requested"
    case withdrawalSettled = "withdrawal.settled"
    case withdrawalFailed = "withdrawal.failed"
    case withdrawalRejected = "withdrawal.rejected"
    /// Operators' dead-letter actions: written to the audit log directly,
    /// never published.
    case deadLettersReplayed = "operator.dlq.replay"
    case deadLettersReplayCompleted = "operator.dlq.replay.completed"
    case deadLettersPurged = "operator.dlq.purge"
    /// Operators' decisions on commands held above a key's ceiling: as above.
    case commandApproved = "operator.command.approve"
    case commandDeclined = "operator.command.decline"

    /// Published on the event exchange (from a worker's outbox).
    public var isPublished: Bool {
        switch self {
        case .paymentCompleted, .paymentRejected, .milestoneCompleted, .milestoneRejected,
            .debtRepaid, .debtPaidOff, .debtRepaymentRejected, .riskRecalculated, .riskChanged, .accountOpened, .accountFrozen,
            .accountUnfrozen, .accountClosed, .accountRejected, .depositCompleted, .depositRejected, .withdrawalRequested,
            .withdrawalSettled, .withdrawalFailed, .withdrawalRejected, .projectCreated, .projectRejected, .milestoneFunded,
            .milestoneFundingRejected, .milestoneCancelled, .milestoneCancellationRejected, .debtOpened, .debtOpeningRejected:
            true
        case .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged, .commandApproved, .commandDeclined: false
        }
    }
}

/// What an event's `data` holds, read and written by one type per event.
public protocol EventData: Sendable, Equatable {
    /// Reads `data`; the error names the field at fault (`data.amount`).
    init(_ data: MessageFields) throws(InvalidMessage)
    /// The `data` object as published.
    var fields: JSONObject { get }
    /// The users the event concerns: the event's `user_ids`.
    var users: [String] { get }
}

/// An event's typed data. Consumers switch over it without a `default`, so
/// a new event is a compile error in each of them until it is decided.
public enum EventPayload: Sendable, Equatable {
    case paymentCompleted(PaymentFacts)
    case paymentRejected(PaymentRejected)
    case milestoneCompleted(MilestoneCompleted)
    case milestoneRejected(MilestoneRejected)
    case milestoneFunded(MilestoneFunded)
    case milestoneFundingRejected(MilestoneRefused)
    case milestoneCancelled(MilestoneCancelled)
    case milestoneCancellationRejected(MilestoneRefused)
    case projectCreated(ProjectCreated)
    case projectRejected(ProjectRejected)
    case debtOpened(DebtOpened)
    case debtOpeningRejected(DebtOpeningRejected)
    case debtRepaid(DebtRepaid)
    case debtPaidOff(DebtPaidOff)
    case debtRepaymentRejected(DebtRepaymentRejected)
    case riskRecalculated(RiskRecalculated)
    case riskChanged(RiskChanged)
    case accountOpened(AccountOpened)
    case accountFrozen(AccountStatusChanged)
    case accountUnfrozen(AccountStatusChanged)
    case accountClosed(AccountStatusChanged)
    case accountRejected(AccountCommandRejected)
    case depositCompleted(DepositCompleted)
    case depositRejected(AccountCommandRejected)
    case withdrawalRequested(WithdrawalFacts)
    case withdrawalSettled(WithdrawalFacts)
    case withdrawalFailed(WithdrawalFacts)
    case withdrawalRejected(AccountCommandRejected)
    case deadLettersReplayed(DeadLetterAction)
    case deadLettersReplayCompleted(DeadLetterAction)
    case deadLettersPurged(DeadLetterAction)
    case commandApproved(CommandDecision)
    case commandDeclined(CommandDecision)

    public var type: EventType {
        switch self {
        case .paymentCompleted: .paymentCompleted
        case .paymentRejected: .paymentRejected
        case .milestoneCompleted: .milestoneCompleted
        case .milestoneRejected: .milestoneRejected
        case .milestoneFunded: .milestoneFunded
        case .milestoneFundingRejected: .milestoneFundingRejected
        case .milestoneCancelled: .milestoneCancelled
        case .milestoneCancellationRejected: .milestoneCancellationRejected
        case .projectCreated: .projectCreated
        case .projectRejected: .projectRejected
        case .debtOpened: .debtOpened
        case .debtOpeningRejected: .debtOpeningRejected
        case .debtRepaid: .debtRepaid
        case .debtPaidOff: .debtPaidOff
        case .debtRepaymentRejected: .debtRepaymentRejected
        case .riskRecalculated: .riskRecalculated
        case .riskChanged: .riskChanged
        case .accountOpened: .accountOpened
        case .accountFrozen: .accountFrozen
        case .accountUnfrozen: .accountUnfrozen
        case .accountClosed: .accountClosed
        case .accountRejected: .accountRejected
        case .depositCompleted: .depositCompleted
        case .depositRejected: .depositRejected
        case .withdrawalRequested: .withdrawalRequested
        case .withdrawalSettled: .withdrawalSettled
        case .withdrawalFailed: .withdrawalFailed
        case .withdrawalRejected: .withdrawalRejected
        case .deadLettersReplayed: .deadLettersReplayed
        case .deadLettersReplayCompleted: .deadLettersReplayCompleted
        case .deadLettersPurged: .deadLettersPurged
        case .commandApproved: .commandApproved
        case .commandDeclined: .commandDeclined
        }
    }

    public var data: any EventData {
        switch self {
        case .paymentCompleted(let data): data
        case .paymentRejected(let data): data
        case .milestoneCompleted(let data): data
        case .milestoneRejected(let data): data
        case .milestoneFunded(let data): data
        case .milestoneFundingRejected(let data): data
        case .milestoneCancelled(let data): data
        case .milestoneCancellationRejected(let data): data
        case .projectCreated(let data): data
        case .projectRejected(let data): data
        case .debtOpened(let data): data
        case .debtOpeningRejected(let data): data
        case .debtRepaid(let data): data
        case .debtPaidOff(let data): data
        case .debtRepaymentRejected(let data): data
        case .riskRecalculated(let data): data
        case .riskChanged(let data): data
        case .accountOpened(let data): data
        case .accountFrozen(let data), .accountUnfrozen(let data), .accountClosed(let data): data
        case .accountRejected(let data), .depositRejected(let data), .withdrawalRejected(let data): data
        case .depositCompleted(let data): data
        case .withdrawalRequested(let data), .withdrawalSettled(let data), .withdrawalFailed(let data): data
        case .deadLettersReplayed(let data), .deadLettersReplayCompleted(let data), .deadLettersPurged(let data): data
        case .commandApproved(let data), .commandDeclined(let data): data
        }
    }

    public init(type: EventType, data: MessageFields) throws(InvalidMessage) {
        switch type {
        case .paymentCompleted: self = .paymentCompleted(try PaymentFacts(data))
        case .paymentRejected: self = .paymentRejected(try PaymentRejected(data))
        case .milestoneCompleted: self = .milestoneCompleted(try MilestoneCompleted(data))
        case .milestoneRejected: self = .milestoneRejected(try MilestoneRejected(data))
        case .milestoneFunded: self = .milestoneFunded(try MilestoneFunded(data))
        case .milestoneFundingRejected: self = .milestoneFundingRejected(try MilestoneRefused(data))
        case .milestoneCancelled: self = .milestoneCancelled(try MilestoneCancelled(data))
        case .milestoneCancellationRejected: self = .milestoneCancellationRejected(try MilestoneRefused(data))
        case .projectCreated: self = .projectCreated(try ProjectCreated(data))
        case .projectRejected: self = .projectRejected(try ProjectRejected(data))
        case .debtOpened: self = .debtOpened(try DebtOpened(data))
        case .debtOpeningRejected: self = .debtOpeningRejected(try DebtOpeningRejected(data))
        case .debtRepaid: self = .debtRepaid(try DebtRepaid(data))
        case .debtPaidOff: self = .debtPaidOff(try DebtPaidOff(data))
        case .debtRepaymentRejected: self = .debtRepaymentRejected(try DebtRepaymentRejected(data))
        case .riskRecalculated: self = .riskRecalculated(try RiskRecalculated(data))
        case .riskChanged: self = .riskChanged(try RiskChanged(data))
        case .accountOpened: self = .accountOpened(try AccountOpened(data))
        case .accountFrozen: self = .accountFrozen(try AccountStatusChanged(data))
        case .accountUnfrozen: self = .accountUnfrozen(try AccountStatusChanged(data))
        case .accountClosed: self = .accountClosed(try AccountStatusChanged(data))
        case .accountRejected: self = .accountRejected(try AccountCommandRejected(data))
        case .depositCompleted: self = .depositCompleted(try DepositCompleted(data))
        case .depositRejected: self = .depositRejected(try AccountCommandRejected(data))
        case .withdrawalRequested: self = .withdrawalRequested(try WithdrawalFacts(data))
        case .withdrawalSettled: self = .withdrawalSettled(try WithdrawalFacts(data))
        case .withdrawalFailed: self = .withdrawalFailed(try WithdrawalFacts(data))
        case .withdrawalRejected: self = .withdrawalRejected(try AccountCommandRejected(data))
        case .deadLettersReplayed: self = .deadLettersReplayed(try DeadLetterAction(data))
        case .deadLettersReplayCompleted: self = .deadLettersReplayCompleted(try DeadLetterAction(data))
        case .deadLettersPurged: self = .deadLettersPurged(try DeadLetterAction(data))
        case .commandApproved: self = .commandApproved(try CommandDecision(data))
        case .commandDeclined: self = .commandDeclined(try CommandDecision(data))
        }
    }
}
