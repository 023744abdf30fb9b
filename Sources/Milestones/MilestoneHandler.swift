import Domain
import Foundation
import Ledger
import PostgresClient
import RedisClient
import WorkerRuntime

/// Applies `project.create` (a project, its milestones and their escrow
/// accounts) and `milestone.complete` (releases a funded milestone's whole
/// escrow to the freelancer less the platform fee, as one balanced posting
/// of three legs), or rejects each with its reason. A batch's creations are
/// applied before its completions: a completion cannot find a milestone
/// created in its own batch funded anyway.
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

    public func apply(_ commands: [MilestoneCommand], in database: PostgresConnection) throws -> BatchEffects {
        var effects = try create(commands.compactMap { if case .create(let c) = $0 { c } else { nil } }, in: database)
        effects.merge(try complete(commands.compactMap { if case .complete(let c) = $0 { c } else { nil } }, in: database))
        return effects
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

    private func complete(_ commands: [MilestoneCompletion], in database: PostgresConnection) throws -> BatchEffects {
        guard !commands.isEmpty else { return BatchEffects() }
        let milestones = try MilestoneStore.lockForRelease(Set(commands.map(\.milestoneId)), in: database)
        let projects = try MilestoneStore.projects(Set(commands.map(\.projectId)), in: database)
        let plan = MilestonePlan(commands: commands, milestones: milestones, projects: projects)

        var releases: [(command: MilestoneCompletion, release: MilestoneCompleted)] = []
        var effects = BatchEffects()
        let now = Date()
        for outcome in plan.outcomes {
            effects.events.append(DomainEvent(outcome.event, occurredAt: now, commandId: outcome.command.commandId))
            switch outcome {
            case .completed(let command, let release): releases.append((command, release))
            case .rejected(let command, let reason, _): effects.rejections[command.commandId] = reason.rawValue
            }
        }
        try LedgerStore.post(
            splits: releases.map { command, release in
                let split = release.release
                return SplitPosting(
                    commandId: command.commandId, kind: "milestone_release", debitAccount: milestones[release.milestoneId]!.escrowAccount,
                    currency: split.gross.currency.code,
                    credits: [(release.wallet, split.net), (SystemAccount.fees(split.gross.currency.code), split.fee)],
                    reference: release.milestoneId)
            }, in: database)
        try MilestoneStore.recordReleases(releases, in: database)
        let balances = try LedgerStore.applyBalanceChanges(plan.balanceChanges, in: database)
        // Last: the hot fee account, held from here to the commit only.
        try LedgerStore.applyBalanceChanges(plan.fees, in: database)
        effects.cache = WalletCache.writes(balances)
        return effects
    }

    public func repairCache(for duplicates: [MilestoneCommand], in database: PostgresConnection) throws -> [RedisCommand] {
        let rows = try database.execute(
            prepared: "SELECT paid_to FROM milestones WHERE id = ANY($1::text[]) AND paid_to IS NOT NULL",
            [duplicates.compactMap { if case .complete(let c) = $0 { c.milestoneId } else { nil } }])
        return try WalletCache.current(Set(try (0..<rows.count).map { try rows.decode($0, "paid_to", as: String.self) }), in: database)
    }

    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try WalletCache.current(nil, in: database)
    }
}
