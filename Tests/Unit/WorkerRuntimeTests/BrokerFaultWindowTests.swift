import XCTest

@testable import WorkerRuntime

final class BrokerFaultWindowTests: XCTestCase {
    private let start = ContinuousClock.now

    func testWithoutAFaultEveryConfirmedEventIsReleasedAndNothingIsHeld() {
        var window = BrokerFaultWindow(quiet: .seconds(20))
        XCTAssertEqual(window.release(["a", "b"], id: { $0 }, at: start), ["a", "b"])
        XCTAssertEqual(window.takeHeld(at: start + .seconds(60)), [])
    }

    func testEventsConfirmedAfterAFaultAreHeldUntilTheBrokerIsQuietThenHandedOverOnce() {
        var window = BrokerFaultWindow(quiet: .seconds(20))
        window.fault(at: start)
        XCTAssertEqual(window.release(["a"], id: { $0 }, at: start + .seconds(1)), [], "held, not deleted")
        XCTAssertEqual(window.takeHeld(at: start + .seconds(19)), [], "the window is still open")
        XCTAssertEqual(window.takeHeld(at: start + .seconds(20)), ["a"])
        XCTAssertEqual(window.takeHeld(at: start + .seconds(21)), [], "handed over once")
        XCTAssertEqual(window.release(["b"], id: { $0 }, at: start + .seconds(21)), ["b"])
    }

    func testEachFaultKeepsTheWindowOpenForAnotherQuietSpell() {
        var window = BrokerFaultWindow(quiet: .seconds(20))
        window.fault(at: start)
        _ = window.release(["a"], id: { $0 }, at: start + .seconds(5))
        window.fault(at: start + .seconds(15))
        _ = window.release(["b"], id: { $0 }, at: start + .seconds(25))
        XCTAssertTrue(window.isOpen(at: start + .seconds(34)))
        XCTAssertEqual(window.takeHeld(at: start + .seconds(34)), [])
        XCTAssertEqual(window.takeHeld(at: start + .seconds(35)), ["a", "b"])
    }
}
