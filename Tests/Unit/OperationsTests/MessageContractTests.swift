import Accounts
import Audit
import Domain
import Foundation
import Milestones
import Notifications
import Payments
import Repayments
import Risk
import Submission
import Tax
import TestSupport
import Topology
import WorkerRuntime
import XCTest

/// The message contract in one place, held to the topology (which queue gets
/// what) and to the JSON Schemas in queues/schemas. No I/O beyond files.
final class MessageContractTests: XCTestCase {
    private let spec = try! TopologySpec.load(from: repositoryRoot.appendingPathComponent("queues/topology.json"))
    private let subscribers: [(queue: String, subscribes: (EventType) -> Bool)] = [
        (AuditHandler().queue, AuditHandler.subscribes), (NotificationHandler().queue, NotificationHandler.subscribes),
        (TaxHandler().queue, TaxHandler.subscribes), (RiskHandler().queue, RiskHandler.subscribes),
    ]

    /// Each event consumer gets exactly the published events it decided to
    /// act on, and no queue gets events nobody consumes.
    func testEveryPublishedEventReachesExactlyTheConsumersThatSubscribe() {
        for type in EventType.allCases where type.isPublished {
            let receiving = Set(spec.queues(receiving: type.rawValue, from: spec.eventExchange))
            let wanted = Set(subscribers.filter { $0.subscribes(type) }.map(\.queue))
            XCTAssertEqual(
                receiving, wanted,
                "\(type.rawValue): the topology routes it to \(receiving.sorted()), the consumers want \(wanted.sorted())")
        }
    }

    /// Every command type reaches exactly the queue of its worker.
    func testEveryCommandTypeReachesItsWorker() {
        let handlers: [Consumer: String] = [
            .payments: PaymentHandler().queue, .milestones: MilestoneHandler().queue,
            .repayments: RepaymentHandler().queue, .risk: RiskHandler().queue, .accounts: AccountHandler().queue,
        ]
        for type in CommandType.allCases {
            XCTAssertEqual(spec.queues(receiving: type.rawValue, from: spec.commandExchange), [handlers[type.consumer]!], type.rawValue)
        }
    }

    /// A JSON-lines file may mix every command type; each line is checked
    /// exactly as its worker will check it, naming the field at fault.
    func testAFileMixingCommandTypesIsCheckedLineByLineAsTheWorkersWill() {
        let file = CommandFile(
            contents: Data(
                """
                {"command_id":"p1","type":"payment","payer":"w0001","payee":"w0002","amount":100,"currency":"USD"}
                {"command_id":"f1","type":"payment","payer":"w0001","payee":"escrow.p0001-m4","amount":100,"currency":"USD","kind":"escrow_fund","reference":"p0001-m4"}
                {"command_id":"m1","type":"milestone.complete","project_id":"p0001","milestone_id":"p0001-m1","completed_by":"u0001"}
                {"command_id":"r1","type":"debt.repayment","debt_id":"d0001","wallet":"w0001","amount":500,"currency":"USD"}
                {"command_id":"f2","type":"payment","payer":"w0001","payee":"escrow.p0001-m4","amount":100,"currency":"USD","kind":"escrow_fund"}
                {"command_id":"m2","type":"milestone.complete","project_id":"p0001","milestone_id":"p0001-m1"}
                {"command_id":"r2","type":"debt.repayment","debt_id":"d0001","wallet":"w0001","amount":5.5,"currency":"USD"}
                {"command_id":"k1","type":"risk.recalculate","user_id":"u0001","reason":"manual"}
                {"command_id":"k2","type":"risk.recalculate","user_id":"u0001"}
                {"command_id":"x1","type":"milestone.completed","project_id":"p0001"}
                """.utf8))
        XCTAssertEqual(file.commands.map(\.commandId), ["p1", "f1", "m1", "r1", "k1"])
        XCTAssertEqual(file.commands.map(\.type), ["payment", "payment", "milestone.complete", "debt.repayment", "risk.recalculate"])
        XCTAssertEqual(file.refusals.map(\.line), [5, 6, 7, 9, 10])
        let reasons = file.refusals.map(\.reason)
        XCTAssertTrue(reasons[0].contains("field 'reference': is required for kind escrow_fund"), reasons[0])
        XCTAssertTrue(reasons[1].contains("field 'completed_by': is required"), reasons[1])
        XCTAssertTrue(reasons[2].contains("field 'amount': must be a whole number of minor units"), reasons[2])
        XCTAssertTrue(reasons[3].contains("field 'reason': is required"), reasons[3])
        XCTAssertTrue(reasons[4].contains("\"milestone.completed\" is not a command type"), reasons[4])
    }

    /// One of each event with every optional field set: what the workers
    /// write. Exhaustive, so a new event needs a sample here too.
    private func sample(_ type: EventType) -> EventPayload {
        let usd = Currency("USD")!
        let payment = PaymentFacts(
            PaymentCommand(
                commandId: "c1", payer: "w1", payee: "w2", amount: Money(minorUnits: 5, currency: usd),
                memo: "m", reference: "r"), users: ["w1": "u1", "w2": "u2"])
        let split = RepaymentSplit(
            amount: Money(minorUnits: 10, currency: usd), interest: 3, principal: 7, interestLeft: 0, remainingPrincipal: 93)
        let repaid = DebtRepaid(
            debtId: "d1", borrower: "u1", wallet: "w1", lender: "lender.bank.USD", split: split,
            accruedTo: CalendarDay(iso: "2026-11-22")!, business: true)
        let action = DeadLetterAction(
            actor: "ops", queue: "commands.payment.dlq", filter: "all", count: 2, to: "commands.payment", ids: ["a"])
        let decision = CommandDecision(
            actor: "ops-2", commandId: "p-big", commandType: "payment", submittedBy: "shop", debitAccount: "w1",
            amount: Money(minorUnits: 90_000, currency: usd), reason: "checked with the client")
        let withdrawal = WithdrawalFacts(
            withdrawalId: "wd1", account: "w1", userId: "u1", amount: Money(minorUnits: 5, currency: usd), gateway: "stripe",
            destination: "iban", externalId: "po_1", reason: "r")
        let changed = AccountStatusChanged(account: "w1", userId: "u1", status: .frozen, reason: "r", actor: "ops")
        let refused = AccountCommandRejected(
            commandType: .deposit, account: "w1", userId: "u1", amount: Money(minorUnits: 5, currency: usd), reason: "wallet_closed",
            detail: "d")
        let refusedMilestone = MilestoneRefused(projectId: "p1", milestoneId: "m1", client: "u1", reason: "overfunded", detail: "d")
        switch type {
        case .milestoneFunded:
            return .milestoneFunded(
                MilestoneFunded(
                    projectId: "p1", milestoneId: "m1", client: "u1", freelancer: "u2", wallet: "w1",
                    amount: Money(minorUnits: 5, currency: usd), escrow: 5, milestoneAmount: 9))
        case .milestoneFundingRejected: return .milestoneFundingRejected(refusedMilestone)
        case .milestoneCancellationRejected: return .milestoneCancellationRejected(refusedMilestone)
        case .milestoneCancelled:
            return .milestoneCancelled(
                MilestoneCancelled(
                    projectId: "p1", milestoneId: "m1", client: "u1", freelancer: "u2", by: "operator", actor: "ops", reason: "r",
                    currency: usd, returned: [.init(wallet: "w1", amount: 3), .init(wallet: "w3", amount: 2)]))
        case .debtOpened:
            return .debtOpened(
                DebtOpened(
                    DebtOpening(
                        commandId: "c1", debtId: "d1", borrower: "u1", account: "w1", lender: "bank",
                        principal: Money(minorUnits: 100_000, currency: usd), annualRateBasisPoints: 1_200, monthlyPayment: 10_000,
                        dueDay: 15, business: true, startDate: CalendarDay(iso: "2026-12-01"), disburse: true,
                        acceptedOn: CalendarDay(iso: "2026-12-05")!)))
        case .debtOpeningRejected:
            return .debtOpeningRejected(DebtOpeningRejected(debtId: "d1", borrower: "u1", reason: "debt_exists", detail: "d"))
        case .projectCreated:
            return .projectCreated(
                ProjectCreated(
                    ProjectCreation(
                        commandId: "c1", projectId: "p1", client: "u1", freelancer: "u2", currency: usd, feeBasisPoints: 250,
                        payoutAccount: "w2",
                        milestones: [.init(id: "m1", title: "Design", amount: 5, dueDate: CalendarDay(iso: "2027-01-31"))])))
        case .projectRejected:
            return .projectRejected(ProjectRejected(projectId: "p1", client: "u1", reason: "project_exists", detail: "d", told: ["u1"]))
        case .accountOpened: return .accountOpened(AccountOpened(account: "w1", userId: "u1", currency: usd, purpose: .business))
        case .accountFrozen: return .accountFrozen(changed)
        case .accountUnfrozen: return .accountUnfrozen(changed)
        case .accountClosed: return .accountClosed(changed)
        case .accountRejected: return .accountRejected(refused)
        case .depositRejected: return .depositRejected(refused)
        case .withdrawalRejected: return .withdrawalRejected(refused)
        case .depositCompleted:
            return .depositCompleted(
                DepositCompleted(
                    Deposit(
                        commandId: "c1", account: "w1", amount: Money(minorUnits: 5, currency: usd), gateway: "stripe", externalId: "ch_1"),
                    userId: "u1", purpose: .personal))
        case .withdrawalRequested: return .withdrawalRequested(withdrawal)
        case .withdrawalSettled: return .withdrawalSettled(withdrawal)
        case .withdrawalFailed: return .withdrawalFailed(withdrawal)
        case .paymentCompleted: return .paymentCompleted(payment)
        case .paymentRejected: return .paymentRejected(PaymentRejected(payment: payment, reason: "insufficient_funds", detail: "d"))
        case .milestoneCompleted:
            return .milestoneCompleted(
                MilestoneCompleted(
                    projectId: "p1", milestoneId: "m1", client: "u1", freelancer: "u2", wallet: "w2",
                    release: FeeSplit(gross: Money(minorUnits: 999, currency: usd), basisPoints: 250)))
        case .milestoneRejected:
            return .milestoneRejected(
                MilestoneRejected(
                    projectId: "p1", milestoneId: "m1", completedBy: "u3", client: "u1", freelancer: "u2",
                    reason: "not_project_client", detail: "d"))
        case .debtRepaid: return .debtRepaid(repaid)
        case .debtPaidOff: return .debtPaidOff(DebtPaidOff(debtId: "d1", borrower: "u1", currency: usd))
        case .debtRepaymentRejected:
            return .debtRepaymentRejected(
                DebtRepaymentRejected(
                    debtId: "d1", wallet: "w1", amount: split.amount, borrower: "u1",
                    reason: "above_payoff", detail: "d"))
        case .riskRecalculated:
            return .riskRecalculated(
                RiskRecalculated(userId: "u1", score: 42, band: .medium, previousBand: .low, modelVersion: 1, version: 3, requests: 2))
        case .riskChanged: return .riskChanged(RiskChanged(userId: "u1", fromBand: .low, toBand: .medium, score: 42))
        case .deadLettersReplayed: return .deadLettersReplayed(action)
        case .deadLettersReplayCompleted: return .deadLettersReplayCompleted(action)
        case .deadLettersPurged: return .deadLettersPurged(action)
        case .commandApproved: return .commandApproved(decision)
        case .commandDeclined: return .commandDeclined(decision)
        }
    }

    func testEveryEventReadsBackAsWritten() throws {
        for type in EventType.allCases {
            let event = DomainEvent(sample(type), occurredAt: Date(), commandId: "c1")
            XCTAssertEqual(try DomainEvent(body: event.encoded()), event, type.rawValue)
        }
    }

    /// The schema of each published event names every field a worker writes,
    /// with its JSON type, and requires nothing a worker may leave out.
    func testEveryPublishedEventMatchesItsSchema() throws {
        for type in EventType.allCases where type.isPublished {
            let file = repositoryRoot.appendingPathComponent("queues/schemas/event.\(type.rawValue).json")
            let schema = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any], type.rawValue)
            let data = try XCTUnwrap((schema["properties"] as? [String: Any])?["data"] as? [String: Any], type.rawValue)
            let properties = try XCTUnwrap(data["properties"] as? [String: [String: Any]], type.rawValue)
            let fields = sample(type).data.fields
            XCTAssertEqual(Set(properties.keys), Set(fields.keys), "\(type.rawValue): schema fields vs what workers write")
            for (name, value) in fields.members.map({ ($0.key, $0.value) }) {
                let allowed = Set((properties[name]?["type"] as? String).map { [$0] } ?? (properties[name]?["type"] as? [String]) ?? [])
                let actual =
                    switch value {
                    case .string: "string"
                    case .integer: "integer"
                    case .bool: "boolean"
                    case .null: "null"
                    case .array: "array"
                    default: "other"
                    }
                XCTAssertTrue(
                    allowed.contains(actual), "\(type.rawValue).data.\(name): schema allows \(allowed.sorted()), workers write \(actual)")
                if actual != "null", allowed.contains("string") || allowed.contains("integer") {
                    XCTAssertTrue(
                        ((data["required"] as? [String]) ?? []).contains(name) || allowed.contains("null"),
                        "\(type.rawValue).data.\(name) is always written, so the schema must require it or allow null")
                }
            }
        }
    }
}
