import Domain
import Foundation
import Ledger
import PipelineHarness
import Repayments
import Risk
import SeededWorld
import Submission
import TestSupport
import WorkerRuntime
import XCTest

/// Risk recalculation with the real workers and services: coalescing,
/// triggers, band changes and their notification.
final class RiskTests: PipelineTestCase {
    private let usd = Currency("USD")!

    private func recalculate(_ id: String, _ user: String) -> SubmittedCommand {
        SubmittedCommand(RiskRecalculation(commandId: id, userId: user, reason: "test"))
    }

    /// Waits until the risk worker took `count` requests (commands and triggers) and their events left the outbox.
    private func riskRequestsDecided(_ count: Int) throws {
        try workbench.wait(upTo: .seconds(60), for: "\(count) risk requests decided") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = 'risk'").int(0, 0) == count
                && db.query("SELECT count(*) FROM outbox").int(0, 0) == 0
        }
    }

    private func latest(_ user: String) throws -> RecordedScore {
        try XCTUnwrap(RecordedScore.history(of: user, limit: 1, in: settings.connectDatabase()).first, "no score for \(user)")
    }

    func testABurstOfOneHundredRepaymentsIsFarFewerRecalculationsReflectingAllOfThem() throws {
        try workbench.reset(wallets: 4, balance: 2_000_000)
        _ = try DebtSeeding.seed(debts: 2, wallets: 4, currency: "USD", in: settings.connectDatabase())
        _ = try [start("repayments-worker"), start("risk-worker")]
        // d0002 is u0002's debt, repaid from w0002.
        try submit(
            (1...100).map {
                SubmittedCommand(
                    DebtRepayment(
                        commandId: "r\($0)", debtId: "d0002", wallet: "w0002", amount: Money(minorUnits: 100, currency: usd),
                        acceptedOn: CalendarDay(Date())))
            })
        try riskRequestsDecided(100)

        let recalculations = try count("SELECT count(*) FROM risk_scores WHERE user_id = 'u0002'")
        XCTAssertGreaterThanOrEqual(recalculations, 1)
        XCTAssertLessThanOrEqual(recalculations, 20, "a burst is coalesced per batch")
        XCTAssertEqual(try count("SELECT sum(requests)::int FROM risk_scores WHERE user_id = 'u0002'"), 100, "every trigger answered once")
        XCTAssertEqual(
            try count("SELECT count(*) FROM (SELECT batch_id FROM risk_scores GROUP BY batch_id, user_id HAVING count(*) > 1) x"), 0)
        // Triggering events have inbox rows (exactly once) but no command status.
        let event = try XCTUnwrap(
            settings.connectDatabase().query("SELECT min(message_id) FROM inbox WHERE consumer = 'risk' AND digest IS NULL")
                .string(0, 0))
        XCTAssertNil(try settings.connectCache().command(["GET", CommandStatus.key(event)]).string, "an event has no command status")
        let last = try latest("u0002")
        // All 100 repayments (10,000) over the 2,000,000 of income: 50 basis points.
        XCTAssertEqual(factor(last, "debt_to_income"), 50, "\(last.factors)")

        // A fresh recalculation, asked for explicitly, gives the same score and breakdown.
        try submit([recalculate("fresh", "u0002")])
        try riskRequestsDecided(101)
        let fresh = try latest("u0002")
        XCTAssertEqual(fresh.version, last.version + 1)
        XCTAssertEqual(fresh.score, last.score)
        XCTAssertEqual(fresh.factors, last.factors)
        XCTAssertEqual(fresh.commandId, "fresh")
        XCTAssertEqual(try runFlexfin(["status", "fresh"]).output.contains("applied"), true)
    }

    func testOnlyPaymentsAtOrAboveTheConfiguredAmountTriggerARecalculation() throws {
        try workbench.reset(wallets: 3, balance: 1_000_000)
        try settings.connectDatabase().query("UPDATE platform_settings SET value = 50000 WHERE name = 'risk_trigger_payment_minor_units'")
        _ = try [start("payments-worker"), start("risk-worker")]
        try submit([payment("small", "w0001", "w0002", 49_999), payment("large", "w0001", "w0003", 50_000)])
        try riskRequestsDecided(2)
        let scored = try settings.connectDatabase().query("SELECT string_agg(user_id, ',' ORDER BY user_id) FROM risk_scores")
        XCTAssertEqual(scored.string(0, 0), "u0001,u0003")
    }

    func testABandChangeIsOneRiskChangedAndOneNotification() throws {
        try workbench.reset(wallets: 2, balance: 100_000)
        _ = try [start("risk-worker"), start("notifications-worker")]
        try submit([recalculate("k1", "u0001")])
        try riskRequestsDecided(1)
        let first = try latest("u0001")
        XCTAssertLessThan(first.score, 97)
        // Model 2: the same factors, band limits just above the score, so the same evidence is `low`.
        let database = try settings.connectDatabase()
        try database.query(
            """
            INSERT INTO risk_models (version, currency, band_medium, band_high, band_critical) VALUES (2, 'USD', $1, $2, $3)
            """, [first.score + 1, first.score + 2, first.score + 3])
        try database.query(
            "INSERT INTO risk_model_factors SELECT 2, factor, weight, good, bad FROM risk_model_factors WHERE model_version = 1")
        try submit([recalculate("k2", "u0001")])
        try riskRequestsDecided(2)
        try submit([recalculate("k3", "u0001")])
        try riskRequestsDecided(3)

        let bands = try database.query(
            "SELECT string_agg(band || '@' || model_version, ',' ORDER BY version) FROM risk_scores WHERE user_id = 'u0001'")
        XCTAssertEqual(bands.string(0, 0), "\(first.band)@1,low@2,low@2")
        try workbench.wait(upTo: .seconds(30), for: "the band change's notification") { db in
            try db.query("SELECT count(*) FROM notifications WHERE event_type = 'risk.changed'").int(0, 0)! >= 1
                && self.readyMessages("events.notifications") == 0
        }
        XCTAssertEqual(try count("SELECT count(*) FROM notifications WHERE event_type = 'risk.changed' AND user_id = 'u0001'"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM notifications"), 1, "risk.recalculated is not a notification")
        let cached = try settings.connectCache().command(["HGET", RiskHandler.key("u0001"), "band"]).string
        XCTAssertEqual(cached, "low")

        let shown = try runFlexfin(["risk", "show", "u0001", "--json"])
        XCTAssertEqual(shown.status, 0, shown.errors)
        guard case .object(let fields) = try JSONValue.parse(Array(shown.output.utf8)), case .object(let latest)? = fields["latest"],
            case .array(let history)? = fields["history"]
        else { return XCTFail(shown.output) }
        XCTAssertEqual(latest["band"], .string("low"))
        XCTAssertEqual(latest["model_version"], .integer(2))
        XCTAssertEqual(history.count, 2)
        XCTAssertEqual(try runFlexfin(["risk", "show", "u0002"]).status, 3, "no score yet")

        // A user nobody knows: rejected with its reason, no score.
        try submit([recalculate("k4", "nobody")])
        try riskRequestsDecided(4)
        let status = try runFlexfin(["status", "k4"])
        XCTAssertTrue(status.output.contains("rejected") && status.output.contains("unknown_user"), status.output)
        XCTAssertEqual(try count("SELECT count(*) FROM risk_scores WHERE user_id = 'nobody'"), 0)
    }

    /// The worker reads each transfer once (a transfer never changes) and
    /// remembers it, up to its capacity, past which it starts over.
    func testTransfersAndPartiesAreReadOnceAndRememberedUpToTheCapacity() throws {
        let database = try settings.connectDatabase()
        // The environment's wallets are funded: a transfer each.
        let rows = try database.query("SELECT id, credit_account FROM transfers ORDER BY id LIMIT 3")
        let ids = try (0..<rows.count).map { try rows.decode($0, 0, as: Int64.self) }
        XCTAssertEqual(ids.count, 3)
        // A session that cannot see the ledger: what it answers, it answers from memory.
        let blind = try settings.connectDatabase()
        try blind.execute(script: "CREATE SCHEMA IF NOT EXISTS sees_nothing; SET search_path TO sees_nothing")
        XCTAssertThrowsError(try LedgerFacts().transfers([ids[0]], in: blind), "the blind session reads no transfers")

        let lookup = LedgerFacts(capacity: 2)
        let transfers = try lookup.transfers(Set(ids.prefix(2)), in: database)
        XCTAssertEqual(transfers[ids[1]]?.creditAccount, try rows.decode(1, 1, as: String.self))
        XCTAssertEqual(transfers[ids[0]]?.kind, "deposit")
        let remembered = try lookup.transfers(Set(ids.prefix(2)), in: blind)
        XCTAssertEqual(remembered[ids[1]]?.creditAccount, transfers[ids[1]]?.creditAccount)
        XCTAssertThrowsError(try lookup.transfers([ids[2]], in: blind), "never read, so not remembered")
        // A third is past the capacity of two: memory starts over with it.
        _ = try lookup.transfers([ids[2]], in: database)
        XCTAssertEqual(try lookup.transfers([ids[2]], in: blind)[ids[2]]?.kind, "deposit")
        XCTAssertThrowsError(try lookup.transfers([ids[0]], in: blind), "forgotten")

        // Who stands behind an account, likewise; an escrow account whose
        // milestone is not there (yet) is asked again.
        let wallet = try rows.decode(0, 1, as: String.self)
        try database.query("INSERT INTO accounts (id, kind, currency) VALUES ('escrow-unlinked', 'escrow', 'USD')")
        let parties = LedgerFacts()
        let read = try parties.parties([wallet, "escrow-unlinked"], in: database)
        XCTAssertNotNil(read[wallet]?.owner)
        XCTAssertNotNil(read["escrow-unlinked"])
        XCTAssertEqual(try parties.parties([wallet], in: blind)[wallet]?.owner, read[wallet]?.owner)
        XCTAssertThrowsError(try parties.parties(["escrow-unlinked"], in: blind), "not settled, so not remembered")
    }

    /// A user's movements are read once: rescoring reads only the entries
    /// after them, and scores as a recomputation from every entry does. A
    /// user whose movements name a party not settled yet is read afresh.
    func testRescoringReadsOnlyTheEntriesPastWhatIsRemembered() throws {
        let database = try settings.connectDatabase()
        let model = try RiskStore.model(in: database)
        let (payer, payee) = (Seeding.wallet(1, of: W1Workload.wallets), Seeding.wallet(2, of: W1Workload.wallets))
        let users = [Seeding.user(1, of: W1Workload.wallets), Seeding.user(2, of: W1Workload.wallets)]
        let facts = LedgerFacts()
        func score() throws -> [String: RiskScore] {
            try RiskStore.score(users, asOf: RiskStore.moment(in: database), model: model, facts: facts, in: database)
        }
        func post(_ postings: [(from: String, to: String, amount: Int64)]) throws {
            try database.transaction { db in
                _ = try LedgerStore.lockAccounts(Set(postings.flatMap { [$0.from, $0.to] }), in: db)
                try LedgerStore.post(
                    postings.map {
                        TransferPosting(
                            commandId: RandomUUID.lowercased(), kind: "payment", debitAccount: $0.from, creditAccount: $0.to,
                            amount: $0.amount, currency: "USD")
                    }, in: db)
                var changes: [String: Int64] = [:]
                for posting in postings {
                    changes[posting.from, default: 0] -= posting.amount
                    changes[posting.to, default: 0] += posting.amount
                }
                try LedgerStore.applyBalanceChanges(changes, in: db)
            }
        }

        _ = try score()
        XCTAssertEqual(facts.entriesRead, 2, "each wallet's funding")
        try post([(payer, payee, 1_000), (payee, payer, 2_000), (payer, payee, 3_000)])
        let asOf = try RiskStore.moment(in: database)
        let remembered = try RiskStore.score(users, asOf: asOf, model: model, facts: facts, in: database)
        XCTAssertEqual(facts.entriesRead, 2 + 6, "only the three payments' entries")
        XCTAssertEqual(
            remembered, try RiskStore.score(users, asOf: asOf, model: model, in: database), "as a recomputation from every entry")

        // An escrow account whose milestone is not there (yet): its payer's movements are read again next time.
        try database.query("INSERT INTO accounts (id, kind, currency) VALUES ('escrow-unlinked', 'escrow', 'USD')")
        try post([(payer, "escrow-unlinked", 500)])
        _ = try score()
        XCTAssertEqual(facts.entriesRead, 8 + 1)
        _ = try score()
        XCTAssertEqual(facts.entriesRead, 9 + 5, "the payer's funding, three payments and the escrow payment again; nothing of the payee's")
    }

    private func factor(_ score: RecordedScore, _ name: String) -> Int64? {
        guard case .array(let parts) = score.factors else { return nil }
        for case .object(let part) in parts where part["factor"] == .string(name) {
            if case .integer(let value)? = part["value"] { return value }
        }
        return nil
    }
}
