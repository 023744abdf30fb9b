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
    case projectCreate = "project.create"
    case milestoneFund = "milestone.fund"
    case milestoneCancel = "milestone.cancel"
    case debtOpen = "debt.open"

    /// The consumer that applies this command.
    public var consumer: Consumer {
        switch self {
        case .payment: .payments
        case .milestoneComplete, .projectCreate, .milestoneFund, .milestoneCancel: .milestones
        case .debtRepayment, .debtOpen: .repayments
        case .riskRecalculate: .risk
        case .accountOpen, .deposit, .withdrawal, .withdrawalSettle, .withdrawalFail, .accountFreeze, .accountUnfreeze, .accountClose:
            .accounts
        }
    }

    /// Operators' commands: over HTTP they need the `operate` scope, and the
    /// actor who sent them is on their events (and so in the audit log). A
    /// `milestone.cancel` is one when its `by` is `operator`
    /// (`SubmittedCommand.needsOperator`).
    public var isOperatorCommand: Bool {
        switch self {
        case .accountFreeze, .accountUnfreeze, .accountClose: true
        case .payment, .milestoneComplete, .debtRepayment, .riskRecalculate, .accountOpen, .deposit, .withdrawal, .withdrawalSettle,
            .withdrawalFail, .projectCreate, .milestoneFund, .milestoneCancel, .debtOpen:
            false
        }
    }
}

extension CommandType {
    /// Every business rejection a command of this type can end in (its
    /// status's `reason`): the OpenAPI document and the README list them all.
    public var rejectionReasons: [String] {
        switch self {
        case .payment: PaymentRejection.allCases.map(\.rawValue)
        case .milestoneComplete:
            [
                .unknownProject, .unknownMilestone, .notProjectClient, .alreadyCompleted, .milestoneCancelled, .notFunded,
                .currencyMismatch,
                .walletClosed,
            ].map(\MilestoneRejection.rawValue)
        case .milestoneFund:
            [
                .unknownProject, .unknownMilestone, .unknownWallet, .walletClosed, .accountFrozen, .currencyMismatch, .milestoneNotPending,
                .notProjectClient, .overfunded, .insufficientFunds,
            ].map(\MilestoneRejection.rawValue)
        case .milestoneCancel:
            [.unknownProject, .unknownMilestone, .notProjectClient, .alreadyCompleted, .alreadyCancelled, .walletClosed]
                .map(\MilestoneRejection.rawValue)
        case .debtOpen: DebtOpeningRejection.allCases.map(\.rawValue)
        case .projectCreate: ProjectRejection.allCases.map(\.rawValue)
        case .debtRepayment: RepaymentRejection.allCases.map(\.rawValue)
        case .riskRecalculate: [RiskRecalculation.unknownUser]
        case .accountOpen: [.accountExists].map(\AccountRejection.rawValue)
        case .deposit:
            [.duplicateExternalId, .unknownWallet, .walletClosed, .currencyMismatch, .balanceOverflow].map(\AccountRejection.rawValue)
        case .withdrawal:
            [.unknownWallet, .walletClosed, .accountFrozen, .currencyMismatch, .insufficientFunds].map(\AccountRejection.rawValue)
        case .withdrawalSettle, .withdrawalFail: [.unknownWithdrawal, .withdrawalNotPending].map(\AccountRejection.rawValue)
        case .accountFreeze, .accountUnfreeze: [.unknownWallet, .walletClosed].map(\AccountRejection.rawValue)
        case .accountClose: [.unknownWallet, .walletClosed, .balanceNotZero, .withdrawalsPending].map(\AccountRejection.rawValue)
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
