import Domain
import Foundation
import Submission
import TestSupport
import XCTest

/// A message that brings its worker down every time must not loop forever,
/// nor take its neighbours with it: after the queue's `x-delivery-limit`
/// the broker dead-letters it, and everything else is applied.
final class CrashLoopTests: PipelineTestCase {
    override func tearDownWithError() throws {
        try settings.connectDatabase().execute(
            script: """
                DROP TRIGGER IF EXISTS poison_kills_its_session ON transfers;
                DROP FUNCTION IF EXISTS poison_kills_its_session();
                """)
        try super.tearDownWithError()
    }

    func testAPoisonMessageEndsInTheDeadLetterQueueAfterTheDeliveryLimitAndItsNeighboursAreApplied() throws {
        // The poison: its transfer makes the database end the worker's
        // session (as a crash would), so the lane dies with its batch
        // unacknowledged and the broker hands the batch back, every time.
        try settings.connectDatabase().execute(
            script: """
                CREATE FUNCTION poison_kills_its_session() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.memo = 'poison' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER poison_kills_its_session BEFORE INSERT ON transfers FOR EACH ROW EXECUTE FUNCTION poison_kills_its_session();
                """)
        var commands = (0..<40).map { payment("neighbour-\($0)", String(format: "w%04d", $0 + 1), String(format: "w%04d", $0 + 101), 5) }
        let poison = SubmittedCommand(
            PaymentCommand(
                commandId: "poison-1", payer: "w0001", payee: "w0002",
                amount: .init(minorUnits: 5, currency: .init("USD")!), memo: "poison"))
        commands.insert(poison, at: 17)
        try submit(commands)
        // One process, one lane, batches of 10: the poison arrives with neighbours.
        let payments = try start("payments-worker", lanes: 1, batchSize: 10)

        try workbench.wait(upTo: .seconds(90), for: "the poison dead-lettered and its neighbours applied") { db in
            try readyMessages("commands.payment.dlq") == 1
                && db.query("SELECT count(*) FROM transfers WHERE command_id LIKE 'neighbour-%'").int(0, 0) == 40
        }
        XCTAssertTrue(payments.isRunning, "the worker survives its crash loop")
        let limit = try XCTUnwrap(topology.queues.first { $0.name == "commands.payment" }).deliveryLimit
        let crashes = payments.logText.components(separatedBy: "lane stopped by an error").count - 1
        XCTAssertGreaterThan(crashes, limit, "the broker handed it back more than the limit before giving up")
        XCTAssertEqual(try count("SELECT count(*) FROM transfers WHERE command_id = 'poison-1'"), 0)
        // The broker dead-lettered it: no worker wrote its record. The intake
        // (the API's, or this by hand) takes it in.
        XCTAssertTrue(try runFlexfin(["dlq", "list", "commands.payment"]).output.contains("0 dead letter(s)"))
        let intake = try runFlexfin(["dlq", "intake", "--once"])
        XCTAssertEqual(intake.output, "taken in: 1 new record(s)\n", intake.errors)
        XCTAssertEqual(try readyMessages("commands.payment.dlq"), 0)
        let listed = try runFlexfin(["dlq", "list", "commands.payment"])
        XCTAssertTrue(listed.output.contains("poison-1") && listed.output.contains("broker:delivery_limit"), listed.output)
        XCTAssertTrue(listed.output.contains("1 dead letter(s)"), "no neighbour was dead-lettered with it: \(listed.output)")
    }
}
