import ArgumentParser

@main
struct Flexfin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flexfin",
        abstract: "Operate the FlexFin money pipeline.",
        discussion: """
            Services are found through FLEXFIN_AMQP_URL, FLEXFIN_AMQP_MANAGEMENT_URL, \
            FLEXFIN_DATABASE_URL and FLEXFIN_REDIS_URL; the defaults match deploy/local/services.
            """,
        subcommands: [
            Migrate.self, TopologyCommand.self, Queues.self, Seed.self, Submit.self, Status.self, APIKeyCommand.self, ApprovalsCommand.self,
            ProjectCommand.self, DebtCommand.self, RiskCommand.self, NotificationsCommand.self, TaxCommand.self,
            LedgerCommand.self, AuditCommand.self, DeadLetterCommand.self, Bench.self, AccountReadCommand.self, WithdrawalsCommand.self,
        ]
    )
}
