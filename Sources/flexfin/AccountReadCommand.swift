import Accounts
import ArgumentParser
import Domain
import Ledger
import Settings

struct AccountReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Accounts: one with its balance, a user's, a statement.",
        subcommands: [Show.self, List.self, Entries.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An account and its balance (from the cache when it holds it).")
        @Argument(help: "The account id.") var account: String
        @Flag(help: "Read PostgreSQL, not the cache.") var fresh = false
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            let settings = try ServiceSettings.fromEnvironment()
            guard
                let view = try AccountReads.account(
                    account, cache: try? settings.connectCache(), database: { try settings.connectDatabase() }, fresh: fresh)
            else { throw ValidationError("no account \(account)") }
            print(json ? view.json.serialized : "\(view.text) (\(view.source), as of \(view.asOf))")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A user's accounts with their balances.")
        @Option(help: "The user.") var user: String
        @Flag(help: "Print JSON lines.") var json = false

        func run() throws {
            for view in try AccountReads.accounts(ofUser: user, in: ServiceSettings.fromEnvironment().connectDatabase()) {
                print(json ? view.json.serialized : view.text)
            }
        }
    }

    struct Entries: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An account's statement, newest first, a page at a time.")
        @Argument(help: "The account id.") var account: String
        @Option(help: "The page after this entry id (a page's `next`).") var after: Int64?
        @Option(help: "Entries per page, 1 to 500.") var limit = 50
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            guard (1...AccountReads.maxPage).contains(limit) else { throw ValidationError("--limit must be 1 to \(AccountReads.maxPage)") }
            guard
                let page = try AccountReads.statement(
                    account, after: after, limit: limit, in: ServiceSettings.fromEnvironment().connectDatabase())
            else { throw ValidationError("no account \(account)") }
            if json { return print(page.json.serialized) }
            for e in page.entries {
                let memo = [e.memo, e.reference].compactMap { $0 }.joined(separator: " / ")
                print(
                    "\(e.at)  #\(e.id)  \(e.kind)  \(e.amount < 0 ? "to" : "from") \(e.counterparty)  \(Money.text(e.amount, page.currency))  balance \(Money.text(e.balanceAfter, page.currency))\(memo.isEmpty ? "" : "  \(memo)")"
                )
            }
            if let next = page.next { print("more: --after \(next)") }
        }
    }
}

struct WithdrawalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdrawals", abstract: "Withdrawals waiting on their gateway: requested, neither settled nor failed.")
    @Flag(help: "The pending ones (the only listing there is).") var pending = false
    @Option(help: "Only those requested longer ago than this: 90s, 15m, 1h, 2d.") var olderThan = "0s"
    @Flag(help: "Print JSON lines.") var json = false

    func run() throws {
        guard pending else { throw ValidationError("pass --pending: the withdrawals waiting on a gateway") }
        guard let seconds = Self.seconds(olderThan) else { throw ValidationError("--older-than \(olderThan): a number and s, m, h or d") }
        let items = try PendingWithdrawals.list(olderThan: seconds, in: ServiceSettings.fromEnvironment().connectDatabase())
        for item in items {
            let w = item.withdrawal
            if json {
                print(
                    JSONValue.object([
                        "withdrawal_id": .string(w.id), "account": .string(w.account), "amount": .integer(w.amount.minorUnits),
                        "currency": .string(w.amount.currency.code), "gateway": .string(w.gateway), "destination": .string(w.destination),
                        "requested_at": .string(item.requestedAt), "age_seconds": .integer(item.ageSeconds),
                    ]).serialized)
            } else {
                print(
                    "\(w.id)  \(w.account)  \(w.amount.text)  via \(w.gateway) to \(w.destination)  requested \(item.requestedAt) (\(item.ageSeconds) s ago)"
                )
            }
        }
        if !json { print("\(items.count) pending") }
    }

    static func seconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count >= 0 else { return nil }
        return count * unit
    }
}
