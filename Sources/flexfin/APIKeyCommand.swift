import APIKeys
import ArgumentParser
import Domain
import Settings

struct APIKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Keys of the HTTP API: create (printed once), revoke, list.",
        subcommands: [Create.self, Revoke.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it once: only its SHA-256 is stored.",
            discussion: "The name is the actor the audit log records for the key's replays and purges.")
        @Option(help: "Who or what holds the key (the audit log's actor).") var name: String
        @Option(help: "Comma-separated: submit, read, operate.") var scopes: String
        @Option(help: "Requests per second before 429.") var rate = 200
        @Option(
            name: .customLong("debit-account"),
            help: "An account the key may debit (repeat for several); without any, every account. Outside them: 403.")
        var debitAccounts: [String] = []
        @Option(
            name: .customLong("ceiling"),
            help: "CUR:AMOUNT, e.g. USD:500.00 (repeat per currency): a debit above it waits for an operator's approval.")
        var ceilings: [String] = []

        func limits() throws -> KeyLimits {
            var limits = KeyLimits(debitAccounts: debitAccounts.isEmpty ? nil : Set(debitAccounts))
            for ceiling in ceilings {
                let parts = ceiling.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--ceiling \"\(ceiling)\": expected CUR:AMOUNT, e.g. USD:500.00") }
                guard let currency = Currency(parts[0]), let money = Money.parse(parts[1], currency: currency) else {
                    throw ValidationError("--ceiling \"\(ceiling)\": expected an ISO 4217 code and an amount, e.g. USD:500.00")
                }
                limits.ceilings[money.currency] = money.minorUnits
            }
            return limits
        }

        func run() throws {
            var chosen: Set<Scope> = []
            for word in scopes.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let scope = Scope(rawValue: word) else {
                    throw ValidationError("--scopes: \"\(word)\" is not a scope (submit, read, operate)")
                }
                chosen.insert(scope)
            }
            guard rate > 0 else { throw ValidationError("--rate must be positive") }
            let created = try APIKeyStore.create(
                name: name, scopes: chosen, ratePerSecond: rate, limits: limits(),
                in: ServiceSettings.fromEnvironment().connectDatabase())
            printError("key \"\(name)\" (\(chosen.map(\.rawValue).sorted().joined(separator: ","))): shown once, store it now")
            print(created.token)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a live key, by name or id; it is refused from the next request on.")
        @Argument(help: "The key's name or id.") var key: String

        func run() throws {
            let revoked = try APIKeyStore.revoke(key, in: ServiceSettings.fromEnvironment().connectDatabase())
            guard revoked > 0 else { throw ValidationError("no live key named or with id \"\(key)\"") }
            print("revoked \(key)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every key: name, id, scopes, rate, created, revoked, what it may debit (never the secret).")

        func run() throws {
            for row in try APIKeyStore.list(in: ServiceSettings.fromEnvironment().connectDatabase()) {
                print(row.joined(separator: "  "))
            }
        }
    }
}
