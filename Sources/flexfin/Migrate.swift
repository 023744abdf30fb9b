import ArgumentParser
import Migrations
import Settings

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations (each in a transaction, under an advisory lock), as the tables' owner.",
        discussion: "Logs in with FLEXFIN_MIGRATION_DATABASE_URL, else FLEXFIN_DATABASE_URL: the only command that may log in as the owner."
    )

    @Flag(help: "List pending migrations without applying them.")
    var dryRun = false

    func run() throws {
        let database = try ServiceSettings.fromEnvironment().connectDatabaseAsOwner()
        let migrator = Migrator(migrations: try Migration.bundled())
        if dryRun {
            let pending = try migrator.pending(on: database)
            print(pending.isEmpty ? "nothing pending" : pending.map { "pending \($0.label)" }.joined(separator: "\n"))
            return
        }
        let applied = try migrator.apply(on: database)
        for migration in applied { print("applied \(migration.label)") }
        print(
            applied.isEmpty
                ? "schema up to date (\(migrator.migrations.count) migrations)"
                : "applied \(applied.count) of \(migrator.migrations.count) migrations")
    }
}
