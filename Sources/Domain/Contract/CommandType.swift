/// The commands of the message contract, by their `type`, which is also
/// their routing key on the command exchange (queues/schemas/command.*.json).
public enum CommandType: String, CaseIterable, Sendable {
    case payment
    case milestoneComplete = "milestone.complete"
    case debtRepayment = "debt.repayment"
    case riskRecalculate = "risk.recalculate"
    case accountOpen = "account.open"
    case deposit
    case withdrawal
    case withdrawalSettle = "withdrawal.settle"
    case withdrawalFail = "withdrawal.fail"
    case accountFreeze = "account.freeze"
    case accountUnfreeze = "account.unfreeze"
    case accountClose = "account.close"

    /// The consumer that applies this command.
    public var consumer: Consumer {
        switch self {
        case .payment: .payments
        case .milestoneComplete: .milestones
        case .debtRepayment: .repayments
        case .riskRecalculate: .risk
        case .accountOpen, .deposit, .withdrawal, .withdrawalSettle, .withdrawalFail, .accountFreeze, .accountUnfreeze, .accountClose:
            .accounts
        }
    }

    /// Operators' commands: over HTTP they need the `operate` scope, and the
    /// actor who sent them is on their events (and so in the audit log).
    public var isOperatorCommand: Bool {
        switch self {
        case .accountFreeze, .accountUnfreeze, .accountClose: true
        case .payment, .milestoneComplete, .debtRepayment, .riskRecalculate, .accountOpen, .deposit, .withdrawal, .withdrawalSettle,
            .withdrawalFail:
            false
        }
    }
}

/// Who consumes messages, by the name its inbox rows and logs carry
/// (exactly-once holds per consumer).
public enum Consumer: String, CaseIterable, Sendable {
    case payments, milestones, repayments, risk, accounts
    case audit, notifications, tax

    /// Command consumers record each command's outcome (`flexfin status`);
    /// event consumers are idempotent by their own rows' keys.
    public var consumesCommands: Bool {
        switch self {
        case .payments, .milestones, .repayments, .risk, .accounts: true
        case .audit, .notifications, .tax: false
        }
    }
}
