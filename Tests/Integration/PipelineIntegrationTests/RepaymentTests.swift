import AMQPClient
import Domain
import Foundation
import Ledger
import Repayments
import SeededWorld
import Submission
import TestSupport
import XCTest

/// Debt repayments with the real workers and services: a schedule followed
/// to the cent, and the rejections.
final class RepaymentTests: PipelineTestCase {
    private let usd = Currency("USD")!

    /// Publishes as a producer accepted on `day` (noon UTC): the AMQP
    /// timestamp is what interest accrues to.
    private func publish(_ commands: [DebtRepayment], acceptedOn days: [CalendarDay]) throws {
        let connection = try settings.connectBroker()
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        for (command, day) in zip(commands, days) {
            let noon = UInt64(CalendarDay(iso: "1970-01-01")!.days(to: day)) * 86_400 + 43_200
            try channel.publish(
                exchange: topology.commandExchange, routingKey: DebtRepayment.type.rawValue,
                message: AMQPMessage(
                    body: command.canonicalBody,
                    properties: AMQPProperties(
                        contentType: "application/json", messageId: command.commandId, type: DebtRepayment.type.rawValue,
                        persistent: true, timestamp: noon)))
        }
        try channel.waitForConfirms()
        connection.close()
    }

    private func repayment(_ id: String, _ debt: String, _ wallet: String, _ amount: Int64) -> DebtRepayment {
        DebtRepayment(
            commandId: id, debtId: debt, wallet: wallet, amount: Money(minorUnits: amount, currency: usd), acceptedOn: CalendarDay(Date()))
    }

    private func decided(_ count: Int) throws {
        try workbench.wait(upTo: .seconds(60), for: "\(count) repayments decided") { db in
            try db.query("SELECT count(*) FROM inbox WHERE consumer = 'repayments'").int(0, 0) == count
        }
    }

    func testRepaymentsFollowingTheSchedulePayTheDebtOffToTheCent() throws {
        try workbench.reset(wallets: 4, balance: 2_000_000)
        _ = try DebtSeeding.seed(debts: 2, wallets: 4, currency: "USD", in: settings.connectDatabase())
        // d0002: u0002's business debt, 500,000 at 12 %, 25,000 a month.
        let workers = try [start("repayments-worker")] + startEventWorkers()

        let schedule = try runFlexfin(["debt", "schedule", "d0002", "--json"])
        XCTAssertEqual(schedule.status, 0, schedule.errors)
        guard case .object(let fields) = try JSONValue.parse(Array(schedule.output.utf8)), case .array(let lines)? = fields["lines"] else {
            return XCTFail(schedule.output)
        }
        let planned: [(day: CalendarDay, payment: Int64, interest: Int64, principal: Int64, remaining: Int64)] = lines.compactMap {
            guard case .object(let l) = $0, case .string(let d)? = l["date"], let day = CalendarDay(iso: d),
                case .integer(let p)? = l["payment"],
                case .integer(let i)? = l["interest"], case .integer(let q)? = l["principal"], case .integer(let r)? = l["remaining"]
            else { return nil }
            return (day, p, i, q, r)
        }
        XCTAssertEqual(planned.count, lines.count)
        XCTAssertGreaterThan(planned.count, 10)
        XCTAssertEqual(planned.last?.remaining, 0)

        // Rejections first: another user's wallet, and more than the payoff (the reason states it).
        try submit([
            SubmittedCommand(repayment("r-other", "d0002", "w0001", 100)),
            SubmittedCommand(repayment("r-over", "d0002", "w0002", 10_000_000)),
        ])
        try decided(2)
        let commands = planned.enumerated().map { repayment("r\($0.offset)", "d0002", "w0002", $0.element.payment) }
        try publish(commands, acceptedOn: planned.map(\.day))
        try decided(2 + commands.count)

        let reasons = try settings.connectDatabase().query(
            "SELECT message_id, reason FROM inbox WHERE outcome = 'rejected' ORDER BY message_id")
        XCTAssertEqual((0..<reasons.count).compactMap { reasons.string($0, 1) }, ["not_borrowers_wallet", "above_payoff"])
        XCTAssertTrue(try runFlexfin(["status", "r-over"]).output.contains("above_payoff"))
        let splits = try settings.connectDatabase().query(
            """
            SELECT interest, principal, remaining_principal, to_char(accrued_to, 'YYYY-MM-DD') FROM debt_repayments
            ORDER BY (substr(command_id, 2))::int
            """)
        XCTAssertEqual(splits.count, planned.count)
        for (row, line) in planned.enumerated() {
            XCTAssertEqual(
                [
                    try splits.decode(row, 0, as: Int64.self), try splits.decode(row, 1, as: Int64.self),
                    try splits.decode(row, 2, as: Int64.self),
                ],
                [line.interest, line.principal, line.remaining], "line \(row) on \(line.day)")
            XCTAssertEqual(try splits.decode(row, 3, as: String.self), line.day.iso)
        }
        let show = try runFlexfin(["debt", "show", "d0002", "--json"])
        XCTAssertTrue(show.output.contains(#""outstanding_principal":0"#) && show.output.contains(#""status":"paid_off""#), show.output)
        XCTAssertEqual(
            try count("SELECT balance::int FROM accounts WHERE id = 'w0002'"), 2_000_000 - Int(planned.map(\.payment).reduce(0, +)))
        XCTAssertEqual(
            try count("SELECT balance::int FROM accounts WHERE id = 'lender.bank.USD'"), Int(planned.map(\.payment).reduce(0, +)))
        let ledger = try LedgerVerification.run(on: settings.connectDatabase())
        XCTAssertTrue(ledger.problems.isEmpty, "\(ledger.problems)")

        // Follow-ups once each: one debt.repaid per repayment, one debt.paid_off, the rejections;
        // the business debt's interest is deductible, its principal not taxed.
        let events = 2 + planned.count + 1
        try workbench.wait(upTo: .seconds(30), for: "the follow-ups") { db in
            try db.query("SELECT count(*) FROM audit_log").int(0, 0) == events
                && db.query("SELECT count(*) FROM notifications WHERE kind = 'event'").int(0, 0) == events
        }
        XCTAssertEqual(try count("SELECT count(*) FROM audit_log WHERE event_type = 'debt.paid_off'"), 1)
        XCTAssertEqual(try count("SELECT count(DISTINCT event_id) FROM notifications WHERE user_id = 'u0002'"), events)
        XCTAssertEqual(
            try count("SELECT coalesce(sum(amount), 0)::int FROM tax_entries WHERE user_id = 'u0002' AND category = 'deductible_interest'"),
            Int(planned.map(\.interest).reduce(0, +)))
        XCTAssertEqual(try count("SELECT count(*) FROM tax_entries WHERE category <> 'deductible_interest'"), 0)
        for worker in workers { _ = try worker.stop() }
    }
}
