/// What a completion needs to know of a milestone, read (and locked) in the
/// batch's transaction.
public struct MilestoneState: Sendable, Equatable {
    public let id: String
    public let projectId: String
    public let client: String
    public let freelancer: String
    public let currency: String
    public let amount: Int64
    public let status: MilestoneStatus
    public let escrowAccount: String
    public let escrowBalance: Int64
    /// The project's rate, or the platform's default.
    public let feeBasisPoints: Int64
    /// The project's portfolio wallet, else the freelancer's wallet in the
    /// project's currency; nil when the freelancer has neither.
    public let payoutWallet: AccountState?

    public init(
        id: String, projectId: String, client: String, freelancer: String, currency: String, amount: Int64,
        status: MilestoneStatus, escrowAccount: String, escrowBalance: Int64, feeBasisPoints: Int64, payoutWallet: AccountState?
    ) {
        (self.id, self.projectId, self.client, self.freelancer, self.currency, self.amount) = (
            id, projectId, client, freelancer, currency, amount
        )
        (self.status, self.escrowAccount, self.escrowBalance) = (status, escrowAccount, escrowBalance)
        (self.feeBasisPoints, self.payoutWallet) = (feeBasisPoints, payoutWallet)
    }
}

/// Business rejections of `milestone.complete`.
public enum MilestoneRejection: String, Sendable, CaseIterable {
    case unknownProject = "unknown_project"
    case unknownMilestone = "unknown_milestone"
    case notProjectClient = "not_project_client"
    case alreadyCompleted = "already_completed"
    case notFunded = "not_funded"
    case currencyMismatch = "currency_mismatch"
    /// The freelancer's payout wallet is closed (a frozen one still receives).
    case walletClosed = "wallet_closed"
}

public enum MilestoneOutcome: Sendable, Equatable {
    case completed(MilestoneCompletion, MilestoneCompleted)
    case rejected(MilestoneCompletion, MilestoneRejection, MilestoneRejected)

    public var command: MilestoneCompletion {
        switch self {
        case .completed(let c, _), .rejected(let c, _, _): c
        }
    }

    public var event: EventPayload {
        switch self {
        case .completed(_, let data): .milestoneCompleted(data)
        case .rejected(_, _, let data): .milestoneRejected(data)
        }
    }
}

/// Decides a batch of completions in order, as if applied one by one (the
/// second completion of a milestone in a batch is `already_completed`), and
/// sums the balance changes: each release takes its whole escrow, credits
/// the payout wallet with the net and the fee account with the fee.
public struct MilestonePlan: Sendable {
    public private(set) var outcomes: [MilestoneOutcome] = []
    /// Escrows and payout wallets, locked at the start of the batch.
    public private(set) var balanceChanges: [String: Int64] = [:]
    /// Fees per fee account: the hot rows, written last in the transaction.
    public private(set) var fees: [String: Int64] = [:]

    public init(
        commands: [MilestoneCompletion], milestones: [String: MilestoneState], projects: [String: (client: String, freelancer: String)]
    ) {
        var completed: Set<String> = []
        for command in commands {
            let outcome = Self.decide(command, milestones[command.milestoneId], projects[command.projectId], completed)
            if case .completed(_, let release) = outcome {
                completed.insert(command.milestoneId)
                let split = release.release
                balanceChanges[milestones[command.milestoneId]!.escrowAccount, default: 0] -= split.gross.minorUnits
                if split.net > 0 { balanceChanges[release.wallet, default: 0] += split.net }
                if split.fee > 0 { fees[SystemAccount.fees(split.gross.currency.code), default: 0] += split.fee }
            }
            outcomes.append(outcome)
        }
    }

    private static func decide(
        _ command: MilestoneCompletion, _ milestone: MilestoneState?,
        _ project: (client: String, freelancer: String)?, _ completedInBatch: Set<String>
    ) -> MilestoneOutcome {
        func reject(_ reason: MilestoneRejection, _ detail: String) -> MilestoneOutcome {
            .rejected(
                command, reason,
                MilestoneRejected(
                    projectId: command.projectId, milestoneId: command.milestoneId, completedBy: command.completedBy,
                    client: project?.client, freelancer: project?.freelancer, reason: reason.rawValue, detail: detail))
        }
        guard let project else { return reject(.unknownProject, "no project \(command.projectId)") }
        guard let milestone, milestone.projectId == command.projectId else {
            return reject(.unknownMilestone, "project \(command.projectId) has no milestone \(command.milestoneId)")
        }
        guard command.completedBy == project.client else {
            return reject(.notProjectClient, "\(command.completedBy) is not the client of project \(command.projectId)")
        }
        guard milestone.status != .completed && !completedInBatch.contains(milestone.id) else {
            return reject(.alreadyCompleted, "milestone \(milestone.id) was already completed and paid")
        }
        guard milestone.status == .funded, milestone.escrowBalance == milestone.amount else {
            return reject(
                .notFunded,
                "milestone \(milestone.id) escrow holds \(Money.text(milestone.escrowBalance, milestone.currency)) of \(Money.text(milestone.amount, milestone.currency))"
            )
        }
        guard let wallet = milestone.payoutWallet, let currency = Currency(milestone.currency), wallet.currency == milestone.currency
        else {
            return reject(.currencyMismatch, "freelancer \(project.freelancer) has no wallet in \(milestone.currency)")
        }
        guard wallet.status.receives else { return reject(.walletClosed, "the freelancer's payout wallet \(wallet.id) is closed") }
        let split = FeeSplit(gross: Money(minorUnits: milestone.escrowBalance, currency: currency), basisPoints: milestone.feeBasisPoints)
        return .completed(
            command,
            MilestoneCompleted(
                projectId: milestone.projectId, milestoneId: milestone.id, client: project.client,
                freelancer: project.freelancer, wallet: wallet.id, release: split))
    }
}
