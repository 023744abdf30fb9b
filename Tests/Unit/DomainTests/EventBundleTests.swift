import Domain
import Foundation
import XCTest

final class EventBundleTests: XCTestCase {
    private let usd = Currency("USD")!

    private func completed(_ id: String, memo: String? = nil, at seconds: Double = 0) -> DomainEvent {
        let command = PaymentCommand(
            commandId: "c-\(id)", payer: "w1", payee: "w2", amount: Money(minorUnits: 100, currency: usd),
            kind: "transfer", memo: memo)
        return DomainEvent(
            eventId: id, .paymentCompleted(PaymentFacts(command, users: ["w1": "u1", "w2": "u2"])),
            occurredAt: Date(timeIntervalSince1970: 1_800_000_000 + seconds), commandId: command.commandId)
    }

    private func rejected(_ id: String) -> DomainEvent {
        let command = PaymentCommand(
            commandId: "c-\(id)", payer: "w1", payee: "w2", amount: Money(minorUnits: 100, currency: usd),
            kind: "transfer")
        return DomainEvent(
            eventId: id,
            .paymentRejected(
                PaymentRejected(payment: PaymentFacts(command, users: ["w1": "u1"]), reason: "insufficient_funds", detail: "")),
            occurredAt: Date(timeIntervalSince1970: 1_800_000_000), commandId: command.commandId)
    }

    func testEventsAreBundledByTypeInTheOrderTheyOccurred() {
        let events = [completed("e1"), rejected("e2"), completed("e3"), rejected("e4"), completed("e5")]
        let bundles = EventBundle.bundles(events)
        XCTAssertEqual(bundles.map(\.type), [.paymentCompleted, .paymentRejected])
        XCTAssertEqual(bundles.map(\.eventIds), [["e1", "e3", "e5"], ["e2", "e4"]])
    }

    func testABundleHoldsAtMostItsLimit() {
        let events = (1...7).map { completed("e\($0)") }
        XCTAssertEqual(EventBundle.bundles(events, maxEvents: 3).map(\.count), [3, 3, 1])
        XCTAssertEqual(EventBundle.bundles(events, maxEvents: 3).flatMap(\.eventIds), events.map(\.eventId))
        XCTAssertTrue(EventBundle.bundles([]).isEmpty)
    }

    /// Each line is the event's own bytes, even when its memo has a line break.
    func testEachLineReadsBackAsItsEvent() throws {
        let events = [completed("e1", memo: "two\nlines"), completed("e2"), completed("e3", memo: "")]
        let bundle = try XCTUnwrap(EventBundle.bundles(events).first)
        let parts = EventBundle.parts(of: bundle.body)
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(try parts.map { try DomainEvent(body: Array($0)) }, events)
        XCTAssertEqual(parts.map { Array($0) }, events.map { $0.encoded() })
    }

    func testABundleCarriesItsEarliestOccurrence() throws {
        let events = [completed("late", at: 2.5), completed("early", at: 0.25), completed("middle", at: 1)]
        XCTAssertEqual(try XCTUnwrap(EventBundle.bundles(events).first).occurredAt, events[1].occurredAt)
    }

    /// An empty line is a part of its own, so it fails alone, as an event would.
    func testEveryLineIsAPartEmptyOnesIncluded() {
        XCTAssertEqual(EventBundle.parts(of: Array("a\n\nb".utf8)).map { String(decoding: $0, as: UTF8.self) }, ["a", "", "b"])
        XCTAssertEqual(EventBundle.parts(of: Array("{}".utf8)).count, 1)
    }
}
