import Domain
import SeededWorld

extension MixedWorkload {
    /// Projects, fundings, cancellations and debts by command: the
    /// milestones and repayments workers' share of the open world. Counts
    /// are fixed by construction; where lanes race, the outcome is counted
    /// `uncertain` and the follow-ups are the same either way:
    /// - projects created by `project.create` (a fifth of them twice, under
    ///   two ids: one `project_exists`), never named by another command of
    ///   the mix, which could outrun their creation;
    /// - seeded projects' unfunded fourth milestones filled by
    ///   `milestone.fund` in three fundings of 5,000 and overfunded by a
    ///   fourth (which one is refused depends on order, not how many);
    /// - others given two fundings of 5,000 and cancelled twice: one
    ///   cancellation applies, one is `already_cancelled`; a funding decided
    ///   before it is returned, one after it is `milestone_not_pending`;
    /// - debts opened by `debt.open`, half disbursed (a fifth twice under two
    ///   ids: one `debt_exists`), and some whose payment never covers the
    ///   interest (`payment_below_interest`).
    struct OpenWorldPart: Sendable {
        static let lender = "mixed"
        static let funding: Int64 = 5_000

        var commands: [Planned] = []
        /// Money that may leave the seeded wallets `w…` (by index), for their funding.
        var debits: [(index: Int, amount: Int64)] = []
        /// Milestones whose fundings race their cancellation: see `FollowUpCounts`.
        var racingMilestones: [String] = []

        /// `targets`: seeded projects (by index) whose fourth milestone is
        /// this part's alone; `client(i)` is project i's client's index.
        init(n: Int, wallets: Int, targets: [Int], project: (Int) -> String, client: (Int) -> Int) {
            let usd = Currency("USD")!
            func wallet(_ index: Int) -> String { MixedWorkload.wallet(index, of: wallets) }
            func user(_ index: Int) -> String { MixedWorkload.user(index, of: wallets) }
            func plan(_ command: any DomainCommand, _ change: (inout Planned) -> Void = { _ in }) {
                commands.append(Planned(command, change))
            }

            for index in 1...max(2, n / 200) {
                let id = "nq" + Seeding.number(index, of: n)
                func creation(_ command: String, milestones prefix: String) -> ProjectCreation {
                    ProjectCreation(
                        commandId: command, projectId: id, client: user(index), freelancer: user(index + 1), currency: usd,
                        payoutAccount: wallet(index + 1),
                        milestones: [9_000, 6_000, 4_000].enumerated().map {
                            .init(id: "\(prefix)-\($0 + 1)", title: "part \($0 + 1)", amount: $1)
                        })
                }
                plan(creation("pcr-\(index)", milestones: id)) { $0.notified = 2 }
                if index % 5 == 0 {
                    plan(creation("pcr2-\(index)", milestones: "\(id)-again")) { $0.rejected = true }
                }
            }

            // Fourth milestones (15,000): the first half filled, the second cancelled.
            let (filled, cancelled) = (targets.prefix(targets.count / 2), targets.dropFirst(targets.count / 2))
            for index in filled {
                let milestone = "\(project(index))-m4"
                for part in 1...4 {
                    plan(
                        MilestoneFunding(
                            commandId: "mf-\(milestone)-\(part)", projectId: project(index), milestoneId: milestone,
                            fromAccount: wallet(client(index)), amount: Self.funding)
                    ) {
                        // The filling one tells the freelancer too; the refused one no one but the client.
                        ($0.rejected, $0.notified, $0.risk) = part == 4 ? (true, 1, []) : (false, part == 3 ? 2 : 1, [1])
                    }
                }
                debits.append((client(index), 3 * Self.funding))
            }
            for index in cancelled {
                let milestone = "\(project(index))-m4"
                racingMilestones.append(milestone)
                for part in 1...2 {
                    plan(
                        MilestoneFunding(
                            commandId: "mf-\(milestone)-\(part)", projectId: project(index), milestoneId: milestone,
                            fromAccount: wallet(client(index)), amount: Self.funding)
                    ) { $0.uncertain = true }
                }
                debits.append((client(index), 2 * Self.funding))
                for attempt in 1...2 {
                    plan(
                        MilestoneCancellation(
                            commandId: "mx\(attempt)-\(milestone)", projectId: project(index), milestoneId: milestone,
                            by: user(client(index)), reason: "bench")
                    ) {
                        // One applies (both parties told, the client rescored), the other is already_cancelled (the client told).
                        ($0.rejected, $0.notified, $0.risk) = attempt == 2 ? (true, 1, []) : (false, 2, [1])
                    }
                }
            }

            for index in 1...max(3, n / 300) {
                let id = "nd" + Seeding.number(index, of: n)
                func opening(_ command: String, debt: String, monthly: Int64) -> DebtOpening {
                    DebtOpening(
                        commandId: command, debtId: debt, borrower: user(index), account: wallet(index), lender: Self.lender,
                        principal: Money(minorUnits: 50_000, currency: usd), annualRateBasisPoints: 1_200, monthlyPayment: monthly,
                        dueDay: index % 28 + 1, business: index % 3 == 0, startDate: nil, disburse: index % 2 == 0,
                        acceptedOn: CalendarDay(iso: "2026-01-01")!)
                }
                plan(opening("do-\(index)", debt: id, monthly: 5_000)) { $0.risk = [1] }
                if index % 5 == 0 { plan(opening("do2-\(index)", debt: id, monthly: 5_000)) { $0.rejected = true } }
                if index % 7 == 0 { plan(opening("dob-\(index)", debt: "\(id)-b", monthly: 100)) { $0.rejected = true } }
            }
        }
    }
}
