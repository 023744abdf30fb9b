import Domain
import Foundation
import Ledger
import Milestones
import PostgresClient
import Repayments
import SeededWorld
import Submission

/// The mixed workload: payments as in W1, escrow funding, milestone
/// completions (duplicates and invalid ones included) and repayments
/// (overpayments and payoffs included), seeded and shuffled. Every command's
/// outcome is fixed by construction whatever order the workers decide in,
/// so the expected end state is exact:
/// - a funding target (a project's unfunded fourth milestone, 15,000) gets
///   four fundings of 5,000 from its client: three fit, one overfunds;
/// - a funded milestone is completed once by its client, sometimes again
///   under a second id (`already_completed`); some completions come from the
///   freelancer (`not_project_client`) or name a milestone nobody funds
///   (`not_funded`);
/// - a debt gets either its exact payoff (`paid_off`), or three partial
///   repayments and an overpayment (`above_payoff`), or one partial and one
///   from someone else's wallet (`not_borrowers_wallet`);
/// - every wallet is funded with more than all it could ever pay out
///   (`funding`, computed from the stream), so no funds run out in any
///   order: otherwise, at a few hundred thousand commands, a wallet's
///   payoffs and payments drain it and whether a payment is refused for
///   funds depends on which worker debits it first;
/// - a hundredth of the stream asks for a user's risk score, and every
///   payment, milestone release, repayment and payoff triggers one (the run
///   sets the payment trigger to 1 minor unit, `seed`): how many scores and
///   band changes result depends on batching, so their events are checked
///   against `risk_scores` (`RiskInvariants`), not fixed here.
/// - projects, fundings, cancellations and debts by command
///   (`MixedWorkload+OpenWorld.swift`);
/// - the accounts worker's commands (`MixedWorkload+Accounts.swift`): wallets
///   opened (again by their owner: no change; an id already taken:
///   `account_exists`), deposits (a gateway payment sent twice under two
///   ids: one credits, one is `duplicate_external_id`), withdrawals, the
///   gateway's settle or fail of withdrawals the seed left pending (both for
///   some: one wins, one is `withdrawal_not_pending`), and wallets frozen
///   while withdrawals from them race the freeze: those may go either way
///   (`uncertain`), and the ledger must show no debit after the freeze.
/// Interest accrues to the day the commands are accepted: a run that
/// crosses midnight UTC would see different payoffs (not guarded).
public struct MixedWorkload: Sendable {
    public struct Expected: Codable, Sendable {
        public var unique: [String: Int] = [:]
        public var rejected: [String: Int] = [:]
        /// Commands whose outcome depends on the order they are decided in,
        /// by type: up to this many more may be rejected.
        public var uncertain: [String: Int] = [:]
        public var paidOff = 0
        public var auditRows = 0
        public var notificationRows = 0
        public var taxRows = 0
        /// Messages that reach the risk queue: risk commands and triggering events.
        public var riskRequests = 0
        /// The users those requests name, summed (each is answered once).
        public var riskSubjects = 0

        /// See `FollowUpCounts`.
        public var racingWallets: [String] = []
        public var racingWithdrawals: [String] = []
        public var racingMilestones: [String] = []

        public var followUps: FollowUpCounts {
            FollowUpCounts(
                audit: auditRows, notifications: notificationRows, tax: taxRows, riskRequests: riskRequests, racingWallets: racingWallets,
                racingWithdrawals: racingWithdrawals, racingMilestones: racingMilestones)
        }
    }

    public static let wallets = 1000
    public static let debtPrincipal: Int64 = 100_000
    /// A payment no wallet can cover.
    static let oversized: Int64 = 2_000_000_000_000
    /// Each wallet's opening balance: above the most any wallet could pay
    /// out if every debit of the stream that can succeed did.
    public let funding: Int64
    public let projects: Int
    public let debts: Int
    /// What the accounts part needs seeded: wallets to freeze, withdrawals left pending.
    public let accounts: AccountsPart
    public let commands: [SubmittedCommand]
    public let expected: Expected

    public init(n: Int, seed: UInt64, today: CalendarDay = CalendarDay(Date())) {
        var random = SeededRandom(seed: seed)
        let usd = Currency("USD")!
        func money(_ amount: Int64) -> Money { Money(minorUnits: amount, currency: usd) }
        func wallet(_ index: Int) -> String { Self.wallet(index, of: Self.wallets) }
        var expected = Expected()
        var commands: [SubmittedCommand] = []
        var outflow = [Int64](repeating: 0, count: Self.wallets + 1)
        /// A debit that may succeed: counted against its wallet's funding.
        func debit(_ index: Int, _ amount: Int64) { outflow[(index - 1) % Self.wallets + 1] += amount }
        /// `risk`: what reaches the risk queue because of the command (the
        /// command itself, or the events it triggers with): per request, how many users it names.
        func add(
            _ command: any DomainCommand, rejected: Bool, uncertain: Bool = false, events: Int = 1, notified: Int, taxed: Int,
            risk: [Int] = []
        ) {
            let type = command.type.rawValue
            commands.append(SubmittedCommand(command))
            expected.unique[type, default: 0] += 1
            if rejected { expected.rejected[type, default: 0] += 1 }
            if uncertain { expected.uncertain[type, default: 0] += 1 }
            expected.auditRows += events
            expected.notificationRows += notified
            expected.taxRows += taxed
            expected.riskRequests += risk.count
            expected.riskSubjects += risk.reduce(0, +)
        }

        // Completions: a fifth of the stream, three funded milestones a project.
        let completionBudget = n / 5
        let projects = completionBudget / 3 + completionBudget / 25 + 1
        let fundingTargets = n / 40  // four fundings each: a tenth of the stream
        var completions = 0
        func project(_ index: Int) -> String { "p" + Seeding.number(index, of: projects) }
        func client(_ index: Int) -> Int { (index - 1) % Self.wallets + 1 }
        // Seeding funds each project's first milestones from its client's wallet.
        let seededEscrow = ProjectSeeding.milestoneAmounts.prefix(ProjectSeeding.fundedPerProject).reduce(0, +)
        for index in 1...projects { debit(client(index), seededEscrow) }
        for index in 1...projects where completions < completionBudget {
            let (p, client) = (project(index), client(index))
            for m in 1...ProjectSeeding.fundedPerProject where completions < completionBudget {
                let milestone = "\(p)-m\(m)"
                add(
                    MilestoneCompletion(
                        commandId: "mc-\(milestone)", projectId: p, milestoneId: milestone,
                        completedBy: Seeding.user(client, of: Self.wallets)), rejected: false, notified: 2, taxed: 3, risk: [2])
                completions += 1
                if completions % 10 == 0 {  // the same milestone under a second id
                    add(
                        MilestoneCompletion(
                            commandId: "mc2-\(milestone)", projectId: p, milestoneId: milestone,
                            completedBy: Seeding.user(client, of: Self.wallets)), rejected: true, notified: 2, taxed: 0)
                    completions += 1
                }
                if completions % 25 == 0 {  // by the freelancer, not the client
                    add(
                        MilestoneCompletion(
                            commandId: "mcx-\(milestone)", projectId: p, milestoneId: milestone,
                            completedBy: Seeding.user(client % Self.wallets + 1, of: Self.wallets)), rejected: true, notified: 2, taxed: 0)
                    completions += 1
                }
            }
            if index > fundingTargets && index % 7 == 0 {  // a milestone nobody funds
                add(
                    MilestoneCompletion(
                        commandId: "mcu-\(p)", projectId: p, milestoneId: "\(p)-m4",
                        completedBy: Seeding.user(client, of: Self.wallets)), rejected: true, notified: 2, taxed: 0)
            }
        }
        for index in 1...max(1, min(fundingTargets, projects)) where fundingTargets > 0 {
            let milestone = "\(project(index))-m4"
            for part in 1...4 {
                add(
                    PaymentCommand(
                        commandId: "ef-\(milestone)-\(part)", payer: wallet(client(index)),
                        payee: SystemAccount.escrow(milestone: milestone),
                        amount: money(5_000), kind: PaymentCommand.escrowFund, reference: milestone),
                    rejected: part == 4, notified: 1, taxed: 0, risk: part == 4 ? [] : [1])
                if part < 4 { debit(client(index), 5_000) }
            }
        }

        // Repayments: about a seventh of the stream, in groups of three debts.
        let debts = max(3, n / 7 * 3 / 7)
        for index in 1...debts {
            let debt = DebtSeeding.debt(index, of: debts, wallets: Self.wallets, principal: Self.debtPrincipal, today: today)
            let id = debt.id
            let own = wallet(index)
            let taxedInterest = debt.business ? 1 : 0
            switch index % 3 {
            case 0:
                add(
                    DebtRepayment(commandId: "rp-\(id)", debtId: id, wallet: own, amount: money(debt.payoff(on: today)), acceptedOn: today),
                    rejected: false, events: 2, notified: 2, taxed: taxedInterest, risk: [1, 1])
                debit(index, debt.payoff(on: today))
                expected.paidOff += 1
            case 1:
                for part in 1...3 {
                    add(
                        DebtRepayment(commandId: "rp-\(id)-\(part)", debtId: id, wallet: own, amount: money(2_000), acceptedOn: today),
                        rejected: false, notified: 1, taxed: part == 1 ? taxedInterest : 0, risk: [1])  // one of them pays the interest
                    debit(index, 2_000)
                }
                add(
                    DebtRepayment(commandId: "rp-\(id)-over", debtId: id, wallet: own, amount: money(10_000_000), acceptedOn: today),
                    rejected: true, notified: 1, taxed: 0)
            default:
                add(
                    DebtRepayment(commandId: "rp-\(id)", debtId: id, wallet: own, amount: money(2_000), acceptedOn: today),
                    rejected: false, notified: 1, taxed: taxedInterest, risk: [1])
                debit(index, 2_000)
                add(
                    DebtRepayment(
                        commandId: "rp-\(id)-other", debtId: id, wallet: wallet(index + 1), amount: money(2_000), acceptedOn: today),
                    rejected: true, notified: 1, taxed: 0)
            }
        }

        // Risk scores asked for: events and notifications depend on batching (see above).
        for index in 1...max(1, n / 100) {
            let user = Seeding.user(Int.random(in: 1...Self.wallets, using: &random), of: Self.wallets)
            add(
                RiskRecalculation(commandId: "rk-\(index)", userId: user, reason: "bench"), rejected: false, events: 0, notified: 0,
                taxed: 0,
                risk: [1])
        }

        let accounts = AccountsPart(n: n, wallets: Self.wallets, random: &random)
        // Seeded fourth milestones no other command of the mix names (not a
        // legacy funding target, not one a completion expects unfunded).
        let targets = Array(((fundingTargets + 1)...max(fundingTargets + 1, projects)).filter { $0 % 7 != 0 }.prefix(max(2, n / 400) * 2))
        let openWorld = OpenWorldPart(n: n, wallets: Self.wallets, targets: targets, project: project, client: client)
        for planned in accounts.commands + openWorld.commands {
            add(
                planned.command, rejected: planned.rejected, uncertain: planned.uncertain, events: planned.events,
                notified: planned.notified, taxed: planned.taxed, risk: planned.risk)
        }
        for (index, amount) in accounts.debits + openWorld.debits { debit(index, amount) }
        expected.racingWallets = accounts.frozen.map(\.wallet)
        expected.racingWithdrawals = accounts.settledAndFailed
        expected.racingMilestones = openWorld.racingMilestones

        // Payments fill the rest, as in W1: 1 % too large to be covered.
        var index = 0
        while commands.count < n * 99 / 100 {
            index += 1
            let payer = Int.random(in: 1...Self.wallets, using: &random)
            var payee = Int.random(in: 1..<Self.wallets, using: &random)
            if payee >= payer { payee += 1 }
            let oversized = index % 100 == 0
            let amount = oversized ? Self.oversized : Int64.random(in: 1...5_000, using: &random)
            if !oversized { debit(payer, amount) }
            add(
                PaymentCommand(
                    commandId: "pay-\(index)", payer: wallet(payer), payee: wallet(payee),
                    amount: money(amount)),
                rejected: oversized, notified: oversized ? 1 : 2, taxed: oversized ? 0 : 2, risk: oversized ? [] : [2])
        }
        commands.shuffle(using: &random)
        // 1 % exact copies, re-sent later: absorbed by the inbox, no effect.
        let copies = (0..<(n - commands.count)).map { _ in commands[Int.random(in: 0..<commands.count / 2, using: &random)] }
        self.commands = commands + copies
        funding = max(1_000_000, outflow.max()! + 100_000)
        // Refused for funds in any order: more than a wallet could ever hold.
        precondition(Self.oversized > funding + outflow.reduce(0, +), "the oversized payment must exceed any balance")
        self.projects = projects
        self.debts = debts
        self.accounts = accounts
        self.expected = expected
    }

    /// Seeds what the workload needs beyond funded wallets: projects, debts,
    /// and a payment trigger of 1 minor unit, so every ledger change of a
    /// user triggers their score and the latest must equal a recomputation.
    public func seed(_ database: PostgresConnection) throws {
        _ = try ProjectSeeding.seed(projects: projects, wallets: Self.wallets, currency: "USD", in: database)
        _ = try DebtSeeding.seed(debts: debts, wallets: Self.wallets, principal: Self.debtPrincipal, currency: "USD", in: database)
        try accounts.seed(database)
        try database.query("UPDATE platform_settings SET value = 1 WHERE name = 'risk_trigger_payment_minor_units'")
    }
}

/// The follow-up rows a workload must end with.
/// `audit` and `notifications` exclude risk events, which `Workbench`
/// counts from `risk_scores` once all `riskRequests` are taken.
public struct FollowUpCounts: Sendable {
    public let audit: Int
    public let notifications: Int
    public let tax: Int
    /// Risk requests known in advance; the races add the rest.
    public let riskRequests: Int
    /// Wallets whose withdrawals race a freeze: each one applied is one
    /// more risk request (naming one user); a rejected one is none.
    public let racingWallets: [String]
    /// Withdrawals both settled and failed: when the failure wins, its
    /// money back is one more risk request; a settlement is none.
    public let racingWithdrawals: [String]
    /// Milestones whose fundings race their cancellation: each funding
    /// applied is one more risk request (the client).
    public let racingMilestones: [String]

    public init(
        audit: Int, notifications: Int, tax: Int, riskRequests: Int = 0, racingWallets: [String] = [], racingWithdrawals: [String] = [],
        racingMilestones: [String] = []
    ) {
        (self.audit, self.notifications, self.tax, self.riskRequests) = (audit, notifications, tax, riskRequests)
        (self.racingWallets, self.racingWithdrawals, self.racingMilestones) = (racingWallets, racingWithdrawals, racingMilestones)
    }

    /// Risk requests once every command is decided (what the ledger says of the races).
    public func riskRequests(in db: PostgresConnection) throws -> Int {
        try riskRequests + racesWon(in: db)
    }

    /// How the races ended, in risk requests (each names one user).
    func racesWon(in db: PostgresConnection) throws -> Int {
        guard !racingWallets.isEmpty || !racingWithdrawals.isEmpty || !racingMilestones.isEmpty else { return 0 }
        return try db.query(
            """
            SELECT count(*)::int FROM transfers
            WHERE (kind = 'withdrawal' AND debit_account = ANY($1::text[])) OR (kind = 'withdrawal_return' AND reference = ANY($2::text[]))
               OR (kind = 'escrow_fund' AND reference = ANY($3::text[]))
            """, [racingWallets, racingWithdrawals, racingMilestones]
        ).decode(0, 0)
    }
}
