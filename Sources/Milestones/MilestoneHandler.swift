import Domain
import Foundation
import Ledger
import PostgresClient
import RedisClient
import WorkerRuntime

/// Applies the milestones worker's commands: `project.create` (a project,
/// its milestones and their escrow accounts), `milestone.fund` (the client
/// pays into a milestone's escrow), `milestone.complete` (the whole escrow
/// released to the freelancer less the platform fee, one balanced posting
/// of three legs) and `milestone.cancel` (the escrow back to the wallets
/// that funded it, one balanced posting), or rejects each with its reason.
/// A batch's creations are applied first, so a funding can name a milestone
/// created in its own batch; the rest are decided in order (`MilestonePlan`).
///
/// The fee account is one row every release credits. Locked with the other
/// accounts at the start, it would serialize every lane and process for the
/// whole batch; instead the batch's fees are summed and added in the last
/// statement before commit, so the row is held only for that statement and
/// the commit.
public struct MilestoneHandler: CommandHandler {
    public let consumer = Consumer.milestones
    public let queue = "commands.milestone"

    public init() {}

    /// An operator's cancellation carries who sent it in a header
    /// (`MessageHeader.actor`), set by the API (the key's name) and the CLI.
    public func command(from message: InboundMessage) throws(InvalidMessage) -> MilestoneCommand {
        let command = try MilestoneCommand(body: message.body)
        guard case .cancel(var cancellation) = command, cancellation.byOperator else { return command }
        if case .text(let actor)? = message.headers[MessageHeader.actor] { cancellation.actor = actor }
        return .cancel(cancellation)
    }

    public func apply(_ commands: [MilestoneCommand], in database: PostgresConnection) throws -> BatchEffects {
        let creations = commands.compactMap { if case .create(let c) = $0 { c } else { nil } }
        let others = commands.filter { if case .create = $0 { false } else { true } }
        let named = Self.named(others)
        if !creations.isEmpty && !others.isEmpty {
            // One lock round for both parts, milestones before accounts, each
            // in id order: locking the creations' payout wallets, then the
            // others' milestones and accounts, would wait on another lane
            // while holding what it waits for. The parts lock again what
            // they use: rows this batch holds, or creates.
            let milestones = try MilestoneStore.lock(named.milestones, cancelling: named.cancelling, in: database)
            _ = try LedgerStore.lockAccounts(
                Set(creations.map(\.payoutAccount)).union(named.payers).union(milestones.values.flatMap(\.accounts)), in: database)
        }
        var effects = try create(creations, in: database)
        effects.merge(try decide(others, named: named, in: database))
        return effects
    }

    /// What fundings, completions and cancellations name.
    private struct Named {
        var milestones: Set<String> = [], cancelling: Set<String> = [], projects: Set<String> = [], payers: Set<String> = []
    }

    private static func named(_ commands: [MilestoneCommand]) -> Named {
        var named = Named()
        for command in commands {
            switch command {
            case .create: break
            case .fund(let c):
                (named.milestones, named.projects) = (named.milestones.union([c.milestoneId]), named.projects.union([c.projectId]))
                named.payers.insert(c.fromAccount)
            case .complete(let c):
                (named.milestones, named.projects) = (named.milestones.union([c.milestoneId]), named.projects.union([c.projectId]))
            case .cancel(let c):
                (named.milestones, named.projects) = (named.milestones.union([c.milestoneId]), named.projects.union([c.projectId]))
                named.cancelling.insert(c.milestoneId)
            }
        }
        return named
    }

    private func create(_ commands: [ProjectCreation], in database: PostgresConnection) throws -> BatchEffects {
        guard !commands.isEmpty else { return BatchEffects() }
        let existing = try ProjectCreationStore.existing(commands, in: database)
        let accounts = try LedgerStore.lockAccounts(Set(commands.map(\.payoutAccount)), in: database)
        let plan = ProjectCreationPlan(
            commands: commands, existingProjects: existing.projects, existingMilestones: existing.milestones, users: existing.users,
            accounts: accounts)
        try ProjectCreationStore.insert(plan.created, in: database)
        let now = Date()
        var effects = BatchEffects(events: plan.outcomes.map { DomainEvent($0.event, occurredAt: now, commandId: $0.command.commandId) })
        for outcome in plan.outcomes {
            if let reason = outcome.rejection { effects.rejections[outcome.command.commandId] = reason.rawValue }
        }
        return effects
    }

    private func decide(
        _ commands: [MilestoneCommand], named: Named,
        in database: PostgresConnection
    ) throws -> BatchEffects {
        guard !commands.isEmpty else { return BatchEffects() }
        // Milestones before accounts: the payments worker's lock order too.
        let milestones = try MilestoneStore.lock(named.milestones, cancelling: named.cancelling, in: database)
        let projects = try MilestoneStore.projects(named.projects, in: database)
        let accounts = try LedgerStore.lockAccounts(named.payers.union(milestones.values.flatMap(\.accounts)), in: database)
        let plan = MilestonePlan(commands: commands, milestones: milestones, projects: projects, accounts: accounts)

        let now = Date()
        var effects = BatchEffects(events: plan.outcomes.map { DomainEvent($0.event, occurredAt: now, commandId: $0.command.commandId) })
        for outcome in plan.outcomes {
            if let reason = outcome.rejection { effects.rejections[outcome.command.commandId] = reason.rawValue }
        }
        try LedgerStore.post(
            plan.fundings.map {
                TransferPosting(
                    commandId: $0.command.commandId, kind: PaymentCommand.escrowFund, debitAccount: $0.command.fromAccount,
                    creditAccount: $0.escrowAccount, amount: $0.command.amount, currency: $0.currency.code,
                    reference: $0.command.milestoneId)
            }, in: database)
        let releases = plan.releases.map { command, release, escrow in
            SplitPosting(
                commandId: command.commandId, kind: "milestone_release", debitAccount: escrow,
                currency: release.release.gross.currency.code,
                credits: [
                    (release.wallet, release.release.net), (SystemAccount.fees(release.release.gross.currency.code), release.release.fee),
                ],
                reference: release.milestoneId)
        }
        let returns = plan.cancellations.filter { !$0.cancelled.returned.isEmpty }.map { command, cancelled, escrow in
            SplitPosting(
                commandId: command.commandId, kind: "escrow_return", debitAccount: escrow, currency: cancelled.currency.code,
                credits: cancelled.returned.map { ($0.wallet, $0.amount) }, reference: cancelled.milestoneId)
        }
        try LedgerStore.post(splits: releases + returns, in: database)
        try MilestoneStore.markFunded(plan.newlyFunded, in: database)
        try MilestoneStore.recordReleases(plan.releases, in: database)
        try MilestoneStore.recordCancellations(plan.cancellations, in: database)
        let balances = try LedgerStore.applyBalanceChanges(plan.balanceChanges, in: database)
        // Last: the hot fee account, held from here to the commit only.
        try LedgerStore.applyBalanceChanges(plan.fees, in: database)
        effects.cache = WalletCache.writes(balances)
        return effects
    }

    public func repairCache(for duplicates: [MilestoneCommand], in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(try LedgerStore.accountsMoved(byCommands: duplicates.map(\.commandId), in: database), in: database)
    }

    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(nil, in: database)
    }
}
