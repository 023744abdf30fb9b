import Domain
import Ledger
import PostgresClient
import SeededWorld

extension MixedWorkload {
    /// A command with what it must end in (see `MixedWorkload.init`'s `add`).
    struct Planned: Sendable {
        let command: any DomainCommand
        var rejected = false
        var uncertain = false
        var events = 1
        var notified = 1
        var taxed = 0
        var risk: [Int] = []

        init(_ command: any DomainCommand, _ change: (inout Planned) -> Void) {
            self.command = command
            change(&self)
        }
    }

    /// Index i's seeded wallet and its owner, wrapping around the `wallets` seeded.
    static func wallet(_ index: Int, of wallets: Int) -> String { Seeding.wallet((index - 1) % wallets + 1, of: wallets) }
    static func user(_ index: Int, of wallets: Int) -> String { Seeding.user((index - 1) % wallets + 1, of: wallets) }

    /// The accounts worker's share of the mix, and what it needs seeded.
    /// Every outcome is fixed by construction, or counted `uncertain` where
    /// it depends on the order lanes decide in; the follow-ups are fixed
    /// either way.
    public struct AccountsPart: Sendable {
        public static let gateway = "bench"
        /// Funding of each wallet the mix freezes: more than all the withdrawals racing the freeze.
        static let frozenFunding: Int64 = 100_000
        static let pendingAmount: Int64 = 1_000

        var commands: [Planned] = []
        /// Money that may leave the seeded wallets `w…` (by index), for their funding.
        var debits: [(index: Int, amount: Int64)] = []
        /// Wallets seeded for freezing (and their owners).
        public private(set) var frozen: [(wallet: String, user: String)] = []
        /// Withdrawals seeded pending, from the wallet of that index.
        public private(set) var pending: [(id: String, index: Int)] = []
        /// Those of them the gateway both settles and fails.
        public private(set) var settledAndFailed: [String] = []

        init(n: Int, wallets: Int, random: inout SeededRandom) {
            let usd = Currency("USD")!
            func money(_ amount: Int64) -> Money { Money(minorUnits: amount, currency: usd) }
            func wallet(_ index: Int) -> String { MixedWorkload.wallet(index, of: wallets) }
            func user(_ index: Int) -> String { MixedWorkload.user(index, of: wallets) }
            func plan(_ command: any DomainCommand, _ change: (inout Planned) -> Void = { _ in }) {
                commands.append(Planned(command, change))
            }

            // Wallets opened: some again by their owner (no change, one event
            // between the two), some on an id already taken.
            for index in 1...max(1, n / 100) {
                let id = "nw" + Seeding.number(index, of: n)
                let purpose = AccountPurpose.allCases[index % AccountPurpose.allCases.count]
                let owner = user(Int.random(in: 1...wallets, using: &random))
                plan(AccountOpening(commandId: "ao-\(index)", accountId: id, userId: owner, currency: usd, purpose: purpose))
                if index % 5 == 0 {
                    plan(AccountOpening(commandId: "ao2-\(index)", accountId: id, userId: owner, currency: usd, purpose: purpose)) {
                        ($0.events, $0.notified) = (0, 0)
                    }
                }
                if index % 7 == 0 {  // another user's wallet: its owner is user(index)
                    plan(
                        AccountOpening(
                            commandId: "aox-\(index)", accountId: wallet(index), userId: user(index + 1), currency: usd, purpose: purpose)
                    ) {
                        $0.rejected = true
                    }
                }
            }

            // Deposits into the seeded wallets: a tenth of the gateway payments
            // sent twice under two ids (one credits); a few to no wallet.
            for index in 1...max(1, n / 50) {
                let amount = money(Int64.random(in: 1...5_000, using: &random))
                let target = wallet(Int.random(in: 1...wallets, using: &random))
                let deposit = { (id: String) in
                    Deposit(commandId: id, account: target, amount: amount, gateway: Self.gateway, externalId: "ext-\(index)")
                }
                // Seeded wallets have no purpose: personal, so the owner's own money (a tax row, not income).
                plan(deposit("dep-\(index)")) { ($0.taxed, $0.risk) = (1, [1]) }
                if index % 10 == 0 { plan(deposit("depx-\(index)")) { $0.rejected = true } }
                if index % 97 == 0 {
                    plan(
                        Deposit(
                            commandId: "dep0-\(index)", account: "nowhere", amount: amount, gateway: Self.gateway,
                            externalId: "ext0-\(index)")
                    ) {
                        ($0.rejected, $0.notified) = (true, 0)  // no owner to tell
                    }
                }
            }

            // Withdrawals from the seeded wallets, and one no wallet can cover.
            for index in 1...max(1, n / 100) {
                let from = Int.random(in: 1...wallets, using: &random)
                let amount = Int64.random(in: 1...2_000, using: &random)
                plan(
                    Withdrawal(
                        commandId: "wd-\(index)", account: wallet(from), amount: money(amount), gateway: Self.gateway,
                        destination: "acct-\(index)")
                ) { $0.risk = [1] }
                debits.append((from, amount))
            }
            plan(
                Withdrawal(
                    commandId: "wd-over", account: wallet(1), amount: money(MixedWorkload.oversized), gateway: Self.gateway,
                    destination: "acct-over")
            ) {
                $0.rejected = true
            }

            // The gateway's answers to withdrawals the seed left pending:
            // settled, failed, or both (one wins, one is `withdrawal_not_pending`).
            for index in 1...max(3, n / 500) {
                let id = "sw-\(index)"
                pending.append((id, index))
                debits.append((index, Self.pendingAmount))
                if index % 3 != 1 {
                    plan(WithdrawalOutcome(commandId: "sws-\(index)", withdrawalId: id, decision: .settle(externalId: "po-\(index)")))
                }
                if index % 3 != 0 {
                    // Failed alone, its money back is a risk request; raced, the ledger tells (`FollowUpCounts`).
                    plan(WithdrawalOutcome(commandId: "swf-\(index)", withdrawalId: id, decision: .fail(reason: "returned by the bank"))) {
                        ($0.rejected, $0.risk) = index % 3 == 2 ? (true, []) : (false, [1])
                    }
                }
                if index % 3 == 2 { settledAndFailed.append(id) }
            }

            // Wallets frozen while withdrawals from them race the freeze; deposits into them arrive either way.
            for index in 1...max(1, n / 4000) {
                let (id, owner) = ("fz" + Seeding.number(index, of: n), "ufz" + Seeding.number(index, of: n))
                frozen.append((id, owner))
                plan(AccountStatusChange(commandId: "fz-\(index)", type: .accountFreeze, account: id, reason: "bench: chargeback review"))
                for part in 1...4 {
                    plan(
                        Withdrawal(
                            commandId: "fzw-\(index)-\(part)", account: id, amount: money(1_000), gateway: Self.gateway,
                            destination: "acct-fz")
                    ) {
                        $0.uncertain = true
                    }
                }
                for part in 1...2 {
                    plan(
                        Deposit(
                            commandId: "fzd-\(index)-\(part)", account: id, amount: money(500), gateway: Self.gateway,
                            externalId: "extfz-\(index)-\(part)")
                    ) {
                        ($0.taxed, $0.risk) = (1, [1])
                    }
                }
            }
        }

        /// The wallets to freeze, funded; the pending withdrawals, requested
        /// through the accounts worker's code.
        func seed(_ database: PostgresConnection) throws {
            _ = try WalletSeeding.seed(
                wallets: frozen.map(\.wallet), users: frozen.map(\.user), balance: Self.frozenFunding, currency: "USD", in: database)
            try WalletSeeding.requestWithdrawals(
                pending.map { ($0.id, Seeding.wallet($0.index, of: MixedWorkload.wallets)) },
                amount: Money(minorUnits: Self.pendingAmount, currency: Currency("USD")!), gateway: Self.gateway,
                destination: "acct-seeded", in: database)
        }
    }
}
