/// Business rejections of `project.create`.
public enum ProjectRejection: String, Sendable, CaseIterable {
    case projectExists = "project_exists"
    case milestoneExists = "milestone_exists"
    case unknownUser = "unknown_user"
    /// Not a wallet of the freelancer in the project's currency, or closed.
    case invalidPayoutAccount = "invalid_payout_account"
}

/// Decides a batch of project creations in order against what exists.
public struct ProjectCreationPlan: Sendable {
    public struct Outcome: Sendable {
        public let command: ProjectCreation
        public let rejection: ProjectRejection?
        public let event: EventPayload
    }

    public private(set) var outcomes: [Outcome] = []
    /// The creations to write, in order.
    public var created: [ProjectCreation] { outcomes.filter { $0.rejection == nil }.map(\.command) }

    /// `accounts`: the payout accounts the commands name (as locked).
    public init(
        commands: [ProjectCreation], existingProjects: Set<String>, existingMilestones: Set<String>, users: Set<String>,
        accounts: [String: AccountState]
    ) {
        var projects = existingProjects
        var milestones = existingMilestones
        for command in commands {
            let rejection = Self.decide(command, projects, milestones, users, accounts)
            if let (reason, detail) = rejection {
                let told = users.contains(command.client) ? [command.client] : []
                outcomes.append(
                    Outcome(
                        command: command, rejection: reason,
                        event: .projectRejected(
                            ProjectRejected(
                                projectId: command.projectId, client: command.client, reason: reason.rawValue, detail: detail, told: told)))
                )
            } else {
                projects.insert(command.projectId)
                milestones.formUnion(command.milestones.map(\.id))
                outcomes.append(Outcome(command: command, rejection: nil, event: .projectCreated(ProjectCreated(command))))
            }
        }
    }

    private static func decide(
        _ c: ProjectCreation, _ projects: Set<String>, _ milestones: Set<String>, _ users: Set<String>, _ accounts: [String: AccountState]
    ) -> (ProjectRejection, String)? {
        if projects.contains(c.projectId) { return (.projectExists, "project id \(c.projectId) is taken") }
        if let taken = c.milestones.first(where: { milestones.contains($0.id) }) {
            return (.milestoneExists, "milestone id \(taken.id) is taken")
        }
        for user in [c.client, c.freelancer] where !users.contains(user) { return (.unknownUser, "no user \(user)") }
        guard let payout = accounts[c.payoutAccount], payout.isWallet, payout.userId == c.freelancer,
            payout.currency == c.currency.code, payout.status.receives
        else {
            return (.invalidPayoutAccount, "\(c.payoutAccount) is not an open \(c.currency) wallet of the freelancer \(c.freelancer)")
        }
        return nil
    }
}
