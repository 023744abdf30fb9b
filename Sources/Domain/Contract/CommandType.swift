/// The commands of the message contract, by their `type`, which is also
/// their routing key on the command exchange (queues/schemas/command.*.json).
public enum CommandType: String, CaseIterable, Sendable {
    case payment
    case milestoneComplete = "milestone.complete"
    case debtRepayment = "debt.repayment"
    case riskRecalculate = "risk.recalculate"

    /// The consumer that applies this command.
    public var consumer: Consumer {
        switch self {
        case .payment: .payments
        case .milestoneComplete: .milestones
        case .debtRepayment: .repayments
        case .riskRecalculate: .risk
        }
    }
}

/// Who consumes messages, by the name its inbox rows and logs carry
/// (exactly-once holds per consumer).
public enum Consumer: String, CaseIterable, Sendable {
    case payments, milestones, repayments, risk
    case audit, notifications, tax

    /// Command consumers record each command's outcome (`flexfin status`);
    /// event consumers are idempotent by their own rows' keys.
    public var consumesCommands: Bool {
        switch self {
        case .payments, .milestones, .repayments, .risk: true
        case .audit, .notifications, .tax: false
        }
    }
}
