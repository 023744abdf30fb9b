/// One row of `notifications`: an event's notice to one of its users, or an
/// alert the event caused (`kind`, with the wallet as `subject`).
public struct Notice: Sendable, Equatable {
    public let eventId: String
    public let user: String
    public let eventType: String
    public let kind: String
    public let subject: String
    public let text: String

    public init(eventId: String, user: String, eventType: String, kind: String, subject: String, text: String) {
        (self.eventId, self.user, self.eventType, self.kind, self.subject, self.text) = (eventId, user, eventType, kind, subject, text)
    }

    /// What the user reads, money written by its currency (`Money.text`).
    public static func text(of payload: EventPayload, for user: String) -> String {
        switch payload {
        case .paymentCompleted(let p):
            return p.payeeUser == user ? "You received \(p.amount.text) from \(p.payer)." : "You paid \(p.amount.text) to \(p.payee)."
        case .paymentRejected(let r):
            return "Your payment of \(r.payment.amount.text) to \(r.payment.payee) was rejected: \(r.reason)."
        case .milestoneCompleted(let m):
            let split = m.release
            return user == m.freelancer
                ? "Milestone \(m.milestoneId) of project \(m.projectId) is complete: \(split.gross.currency.text(split.net)) paid to \(m.wallet) (\(split.gross.text) less a fee of \(split.gross.currency.text(split.fee)))."
                : "You completed milestone \(m.milestoneId) of project \(m.projectId): its escrow of \(split.gross.text) was released to the freelancer."
        case .milestoneRejected(let m):
            return "Completing milestone \(m.milestoneId) of project \(m.projectId) was refused: \(m.reason) (\(m.detail))."
        case .debtRepaid(let d):
            return
                "Your repayment of \(d.split.amount.text) on debt \(d.debtId) paid \(d.split.amount.currency.text(d.split.interest)) of interest and \(d.split.amount.currency.text(d.split.principal)) of principal; \(d.split.amount.currency.text(d.split.remainingPrincipal)) of principal remains."
        case .debtPaidOff(let d):
            return "Your debt \(d.debtId) is paid off."
        case .debtRepaymentRejected(let d):
            return "Your repayment of \(d.amount.text) on debt \(d.debtId) was rejected: \(d.reason) (\(d.detail))."
        case .riskChanged(let r):
            return "Your risk band changed from \(r.fromBand.rawValue) to \(r.toBand.rawValue) (score \(r.score) of 100)."
        case .riskRecalculated(let r):
            return "Your risk score is \(r.score) of 100 (\(r.band.rawValue))."
        case .milestoneFunded(let m):
            let of = "\(m.amount.currency.text(m.escrow)) of \(m.amount.currency.text(m.milestoneAmount))"
            return user == m.client
                ? "You paid \(m.amount.text) from \(m.wallet) into milestone \(m.milestoneId) of project \(m.projectId): its escrow holds \(of)."
                : "Milestone \(m.milestoneId) of project \(m.projectId) is fully funded: its escrow holds \(of)."
        case .milestoneCancelled(let m):
            let by = m.by == m.client ? "by its client" : "by an operator"
            let back =
                m.returned.isEmpty
                ? "its escrow held nothing"
                : m.returned.map { "\(m.currency.text($0.amount)) went back to \($0.wallet)" }.joined(separator: ", ")
            return user == m.client
                ? "Milestone \(m.milestoneId) of project \(m.projectId) was cancelled \(by) (\(m.reason)): \(back)."
                : "Milestone \(m.milestoneId) of project \(m.projectId) was cancelled \(by) (\(m.reason)); it will not be paid."
        case .milestoneFundingRejected(let m):
            return "Funding milestone \(m.milestoneId) of project \(m.projectId) was refused: \(m.reason) (\(m.detail))."
        case .milestoneCancellationRejected(let m):
            return "Cancelling milestone \(m.milestoneId) of project \(m.projectId) was refused: \(m.reason) (\(m.detail))."
        case .debtOpened(let d):
            let debt = d.debt
            let money = Money(minorUnits: debt.principal, currency: debt.currency)
            return
                "Your debt \(debt.id) of \(money.text) to \(debt.lenderAccount) is open: \(debt.currency.text(debt.monthlyPayment)) a month on day \(debt.dueDay)\(d.disbursed ? ", the principal paid into \(d.account)" : "")."
        case .debtOpeningRejected(let d):
            return "Opening debt \(d.debtId) was refused: \(d.reason) (\(d.detail))."
        case .projectCreated(let p):
            let c = p.command
            return user == c.client
                ? "Project \(c.projectId) with \(c.freelancer) is set up: \(c.milestones.count) milestone\(c.milestones.count == 1 ? "" : "s"), \(c.currency.text(c.total)) in all, to fund into escrow."
                : "\(c.client) set up project \(c.projectId) with you: \(c.milestones.count) milestone\(c.milestones.count == 1 ? "" : "s"), \(c.currency.text(c.total)) in all, paid into \(c.payoutAccount)."
        case .projectRejected(let r):
            return "Setting up project \(r.projectId) was refused: \(r.reason) (\(r.detail))."
        case .accountOpened(let a):
            return "Your \(a.purpose.rawValue) wallet \(a.account) in \(a.currency) is open."
        case .accountFrozen(let a):
            return "Your wallet \(a.account) is frozen: it receives money but pays nothing out (\(a.reason))."
        case .accountUnfrozen(let a):
            return "Your wallet \(a.account) is no longer frozen (\(a.reason))."
        case .accountClosed(let a):
            return "Your wallet \(a.account) is closed (\(a.reason))."
        case .accountRejected(let r), .depositRejected(let r), .withdrawalRejected(let r):
            let what = r.amount.map { "\(r.commandType.rawValue) of \($0.text)" } ?? r.commandType.rawValue
            return "Your \(what)\(r.account.map { " on \($0)" } ?? "") was refused: \(r.reason) (\(r.detail))."
        case .depositCompleted(let d):
            return "\(d.amount.text) arrived in \(d.account) from \(d.gateway)."
        case .withdrawalRequested(let w):
            return "Your withdrawal of \(w.amount.text) from \(w.account) to \(w.destination) is on its way through \(w.gateway)."
        case .withdrawalSettled(let w):
            return "Your withdrawal of \(w.amount.text) to \(w.destination) was paid out."
        case .withdrawalFailed(let w):
            return
                "Your withdrawal of \(w.amount.text) to \(w.destination) failed (\(w.reason ?? "no reason given")); the money is back in \(w.account)."
        case .deadLettersReplayed(let a), .deadLettersReplayCompleted(let a), .deadLettersPurged(let a):
            return "\(a.actor): \(payload.type.rawValue) of \(a.count) from \(a.queue)"
        case .commandApproved(let d), .commandDeclined(let d):
            return
                "\(d.actor): \(payload.type.rawValue) of \(d.commandId), \(d.amount.text) from \(d.debitAccount), sent by \(d.submittedBy)"
        }
    }
}

extension NotificationRules {
    /// What the rules tell users of these events, balances apart (a
    /// low-balance alert needs the wallet's history): each user of an event
    /// whose type has a rule, and the payee of a large incoming payment.
    public func notices(for events: [DomainEvent]) -> [Notice] {
        events.flatMap { event -> [Notice] in
            var notices: [Notice] = []
            if self.events.contains(event.type) {
                for user in Set(event.userIds).sorted() {
                    notices.append(
                        Notice(
                            eventId: event.eventId, user: user, eventType: event.type.rawValue, kind: "event", subject: "",
                            text: Notice.text(of: event.payload, for: user)))
                }
            }
            if let large = largeIncoming(event.payload) {
                notices.append(
                    Notice(
                        eventId: event.eventId, user: large.user, eventType: event.type.rawValue, kind: "large_incoming_payment",
                        subject: large.wallet, text: "A large payment arrived: \(large.amount.text) into \(large.wallet)."))
            }
            return notices
        }
    }
}
