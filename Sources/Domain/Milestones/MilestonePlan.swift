/// What the milestones worker decides on of a milestone, read (and locked)
/// in the batch's transaction.
public struct MilestoneState: Sendable, Equatable {
    public let id: String
    public let projectId: String
    public let client: String
    public let freelancer: String
    public let currency: String
    public let amount: Int64
    public let status: MilestoneStatus
    public let escrowAccount: String
    /// The project's rate, or the platform's default.
    public let feeBasisPoints: Int64
    /// The project's portfolio wallet, else the freelancer's wallet in the
    /// project's currency; nil when the freelancer has neither.
    public let payoutWallet: String?
    /// What each wallet paid into the escrow: read for cancellations only.
    public let fundedBy: [String: Int64]

    public init(
        id: String, projectId: String, client: String, freelancer: String, currency: String, amount: Int64,
        status: MilestoneStatus, escrowAccount: String, feeBasisPoints: Int64, payoutWallet: String?, fundedBy: [String: Int64] = [:]
    ) {
        (self.id, self.projectId, self.client, self.freelancer, self.currency, self.amount) = (
            id, projectId, client, freelancer, currency, amount
        )
        (self.status, self.escrowAccount, self.feeBasisPoints, self.payoutWallet, self.fundedBy) = (
            status, escrowAccount, feeBasisPoints, payoutWallet, fundedBy
        )
    }
}

extension MilestoneState {
    /// The accounts a decision on it reads: its escrow, the payout wallet, its funders.
    public var accounts: [String] { [escrowAccount] + (payoutWallet.map { [$0] } ?? []) + fundedBy.keys }
}

/// Business rejections of `milestone.fund`, `milestone.complete` and
/// `milestone.cancel` (`CommandType.rejectionReasons` says which are whose).
public enum MilestoneRejection: String, Sendable, CaseIterable {
    case unknownProject = "unknown_project"
    case unknownMilestone = "unknown_milestone"
    case notProjectClient = "not_project_client"
    case alreadyCompleted = "already_completed"
    case notFunded = "not_funded"
    case currencyMismatch = "currency_mismatch"
    /// The freelancer's payout wallet (a release) or a funder's wallet (a
    /// return) is closed; a frozen one still receives.
    case walletClosed = "wallet_closed"
    case milestoneCancelled = "milestone_cancelled"
    case alreadyCancelled = "already_cancelled"
    case milestoneNotPending = "milestone_not_pending"
    case overfunded
    case unknownWallet = "unknown_wallet"
    case accountFrozen = "account_frozen"
    case insufficientFunds = "insufficient_funds"
}

/// Decides a batch of fundings, completions and cancellations in order, as
/// if applied one by one against the locked milestones and accounts (a
/// funding then a cancellation of one milestone in a batch returns that
/// funding), and sums the balance changes so each account is written once.
/// A release takes the whole escrow, crediting the payout wallet with the
/// net and the fee account with the fee; a cancellation gives each funder
/// back what it paid in.
public struct MilestonePlan: Sendable {
    public struct Outcome: Sendable {
        public let command: MilestoneCommand
        public let rejection: MilestoneRejection?
        public let event: EventPayload
    }

    public private(set) var outcomes: [Outcome] = []
    /// Fundings to post: each from its wallet into the escrow account.
    public private(set) var fundings: [(command: MilestoneFunding, escrowAccount: String, currency: Currency)] = []
    public private(set) var releases: [(command: MilestoneCompletion, release: MilestoneCompleted, escrowAccount: String)] = []
    public private(set) var cancellations: [(command: MilestoneCancellation, cancelled: MilestoneCancelled, escrowAccount: String)] = []
    /// Milestones this batch filled: now `funded`.
    public private(set) var newlyFunded: [String] = []
    /// Escrows and wallets, locked at the start of the batch.
    public private(set) var balanceChanges: [String: Int64] = [:]
    /// Fees per fee account: the hot rows, written last in the transaction.
    public private(set) var fees: [String: Int64] = [:]

    private var milestones: [String: MilestoneState]
    private let projects: [String: (client: String, freelancer: String)]
    private var accounts: [String: AccountState]
    private var statuses: [String: MilestoneStatus]
    private var fundedBy: [String: [String: Int64]]

    /// `commands`: the batch without its creations (`ProjectCreationPlan`
    /// decides those, first). `accounts`: every escrow, funding wallet and
    /// payout wallet the commands touch.
    public init(
        commands: [MilestoneCommand], milestones: [String: MilestoneState], projects: [String: (client: String, freelancer: String)],
        accounts: [String: AccountState]
    ) {
        (self.milestones, self.projects, self.accounts) = (milestones, projects, accounts)
        statuses = milestones.mapValues(\.status)
        fundedBy = milestones.mapValues(\.fundedBy)
        for command in commands {
            switch command {
            case .create: preconditionFailure("creations are decided by ProjectCreationPlan")
            case .fund(let c): outcomes.append(fund(c))
            case .complete(let c): outcomes.append(complete(c))
            case .cancel(let c): outcomes.append(cancel(c))
            }
        }
        balanceChanges = balanceChanges.filter { $0.value != 0 }
    }

    private func balance(_ id: String) -> Int64 { accounts[id]?.balance ?? 0 }

    private mutating func move(_ account: String, _ delta: Int64) {
        balanceChanges[account, default: 0] += delta
        if let a = accounts[account] { accounts[account] = a.with(balance: a.balance + delta) }
    }

    /// The milestone a command names, with its project; else the rejection.
    private func find(_ project: String, _ milestone: String) -> Result<MilestoneState, MilestoneRefusal> {
        guard projects[project] != nil else { return .failure(.init(.unknownProject, "no project \(project)", client: nil)) }
        guard let m = milestones[milestone], m.projectId == project else {
            return .failure(.init(.unknownMilestone, "project \(project) has no milestone \(milestone)", client: projects[project]?.client))
        }
        return .success(m)
    }

    /// A funding or cancellation refused: its event tells the client, when known.
    private static func refused(
        _ command: MilestoneCommand, _ project: String, _ milestone: String, _ reason: MilestoneRejection, _ detail: String,
        client: String?, as event: (MilestoneRefused) -> EventPayload
    ) -> Outcome {
        Outcome(
            command: command, rejection: reason,
            event: event(
                MilestoneRefused(projectId: project, milestoneId: milestone, client: client, reason: reason.rawValue, detail: detail)))
    }

    private mutating func fund(_ c: MilestoneFunding) -> Outcome {
        func refuse(_ reason: MilestoneRejection, _ detail: String, client: String?) -> Outcome {
            Self.refused(.fund(c), c.projectId, c.milestoneId, reason, detail, client: client, as: EventPayload.milestoneFundingRejected)
        }
        let m: MilestoneState
        switch find(c.projectId, c.milestoneId) {
        case .failure(let r): return refuse(r.reason, r.detail, client: r.client)
        case .success(let found): m = found
        }
        guard let currency = Currency(m.currency) else {
            return refuse(.currencyMismatch, "project currency \(m.currency)", client: m.client)
        }
        let amount = Money(minorUnits: c.amount, currency: currency)
        // The wallet's refusals come first, except its funds: the escrow's rules are checked before those.
        let debit = WalletDebitRefusal.check(accounts[c.fromAccount], id: c.fromAccount, pays: amount, for: "the funding")
        if let (refusal, detail) = debit, refusal != .insufficientFunds {
            return refuse(MilestoneRejection(rawValue: refusal.rawValue)!, detail, client: m.client)
        }
        let escrow = balance(m.escrowAccount)
        if let (refusal, detail) = EscrowFundingRefusal.check(
            milestone: m.id, status: statuses[m.id]!, client: m.client, payerOwner: accounts[c.fromAccount]?.userId, payer: c.fromAccount,
            escrow: escrow, milestoneAmount: m.amount, amount: amount)
        {
            switch refusal {
            case .notPending: return refuse(.milestoneNotPending, detail, client: m.client)
            case .notClient: return refuse(.notProjectClient, detail, client: m.client)
            case .overfunded: return refuse(.overfunded, detail, client: m.client)
            }
        }
        if let (_, detail) = debit { return refuse(.insufficientFunds, detail, client: m.client) }
        move(c.fromAccount, -c.amount)
        move(m.escrowAccount, c.amount)
        fundedBy[m.id, default: [:]][c.fromAccount, default: 0] += c.amount
        fundings.append((c, m.escrowAccount, currency))
        let funded = MilestoneFunded(
            projectId: m.projectId, milestoneId: m.id, client: m.client, freelancer: m.freelancer, wallet: c.fromAccount, amount: amount,
            escrow: escrow + c.amount, milestoneAmount: m.amount)
        if funded.fullyFunded {
            statuses[m.id] = .funded
            newlyFunded.append(m.id)
        }
        return Outcome(command: .fund(c), rejection: nil, event: .milestoneFunded(funded))
    }

    private mutating func complete(_ c: MilestoneCompletion) -> Outcome {
        let project = projects[c.projectId]
        func refuse(_ reason: MilestoneRejection, _ detail: String) -> Outcome {
            Outcome(
                command: .complete(c), rejection: reason,
                event: .milestoneRejected(
                    MilestoneRejected(
                        projectId: c.projectId, milestoneId: c.milestoneId, completedBy: c.completedBy, client: project?.client,
                        freelancer: project?.freelancer, reason: reason.rawValue, detail: detail)))
        }
        let m: MilestoneState
        switch find(c.projectId, c.milestoneId) {
        case .failure(let r): return refuse(r.reason, r.detail)
        case .success(let found): m = found
        }
        guard c.completedBy == m.client else {
            return refuse(.notProjectClient, "\(c.completedBy) is not the client of project \(c.projectId)")
        }
        let escrow = balance(m.escrowAccount)
        switch statuses[m.id]! {
        case .completed: return refuse(.alreadyCompleted, "milestone \(m.id) was already completed and paid")
        case .cancelled: return refuse(.milestoneCancelled, "milestone \(m.id) was cancelled")
        case .pending:
            return refuse(
                .notFunded, "milestone \(m.id) escrow holds \(Money.text(escrow, m.currency)) of \(Money.text(m.amount, m.currency))")
        case .funded: break
        }
        guard let id = m.payoutWallet, let wallet = accounts[id], let currency = Currency(m.currency), wallet.currency == m.currency else {
            return refuse(.currencyMismatch, "freelancer \(m.freelancer) has no wallet in \(m.currency)")
        }
        guard wallet.status.receives else { return refuse(.walletClosed, "the freelancer's payout wallet \(id) is closed") }
        let split = FeeSplit(gross: Money(minorUnits: escrow, currency: currency), basisPoints: m.feeBasisPoints)
        move(m.escrowAccount, -escrow)
        move(id, split.net)
        if split.fee > 0 { fees[SystemAccount.fees(m.currency), default: 0] += split.fee }
        statuses[m.id] = .completed
        let release = MilestoneCompleted(
            projectId: m.projectId, milestoneId: m.id, client: m.client, freelancer: m.freelancer, wallet: id, release: split)
        releases.append((c, release, m.escrowAccount))
        return Outcome(command: .complete(c), rejection: nil, event: .milestoneCompleted(release))
    }

    private mutating func cancel(_ c: MilestoneCancellation) -> Outcome {
        func refuse(_ reason: MilestoneRejection, _ detail: String, client: String?) -> Outcome {
            Self.refused(
                .cancel(c), c.projectId, c.milestoneId, reason, detail, client: client, as: EventPayload.milestoneCancellationRejected)
        }
        let m: MilestoneState
        switch find(c.projectId, c.milestoneId) {
        case .failure(let r): return refuse(r.reason, r.detail, client: r.client)
        case .success(let found): m = found
        }
        guard c.by == m.client || c.byOperator else {
            return refuse(.notProjectClient, "\(c.by) is neither the client of project \(c.projectId) nor an operator", client: m.client)
        }
        guard let currency = Currency(m.currency) else {
            return refuse(.currencyMismatch, "project currency \(m.currency)", client: m.client)
        }
        switch statuses[m.id]! {
        case .completed:
            return refuse(.alreadyCompleted, "milestone \(m.id) was completed and paid: it cannot be cancelled", client: m.client)
        case .cancelled: return refuse(.alreadyCancelled, "milestone \(m.id) was already cancelled", client: m.client)
        case .pending, .funded: break
        }
        let returns = (fundedBy[m.id] ?? [:]).filter { $0.value > 0 }.sorted { $0.key < $1.key }
        if let closed = returns.first(where: { accounts[$0.key]?.status.receives != true }) {
            return refuse(
                .walletClosed, "wallet \(closed.key), which funded the milestone, is closed: it cannot take its money back",
                client: m.client)
        }
        for (wallet, amount) in returns {
            move(m.escrowAccount, -amount)
            move(wallet, amount)
        }
        statuses[m.id] = .cancelled
        let cancelled = MilestoneCancelled(
            projectId: m.projectId, milestoneId: m.id, client: m.client, freelancer: m.freelancer, by: c.by,
            actor: c.byOperator ? c.actor ?? "unknown" : nil, reason: c.reason, currency: currency,
            returned: returns.map { .init(wallet: $0.key, amount: $0.value) })
        cancellations.append((c, cancelled, m.escrowAccount))
        return Outcome(command: .cancel(c), rejection: nil, event: .milestoneCancelled(cancelled))
    }
}

/// A milestone command's target not found: the reason, and the client to tell if the project is known.
private struct MilestoneRefusal: Error {
    let reason: MilestoneRejection
    let detail: String
    let client: String?
    init(_ reason: MilestoneRejection, _ detail: String, client: String?) {
        (self.reason, self.detail, self.client) = (reason, detail, client)
    }
}
