import AMQPClient
import Settings
import TestSupport
import Topology
import XCTest

/// Least privilege in RabbitMQ: each runtime role logs in as its own user,
/// which may use the topology but never change it, and the API's user may
/// publish commands but neither consume work nor publish events.
final class BrokerPermissionTests: PipelineTestCase {
    private func broker(as role: RuntimeRole) throws -> AMQPConnection {
        try settings.loggingIn(as: role).connectBroker(as: "permission test")
    }

    /// The broker's reply code to `attempt` on a fresh channel; nil when it succeeded.
    private func refusal(as role: RuntimeRole, _ attempt: (AMQPChannel) throws -> Void) throws -> Int? {
        let connection = try broker(as: role)
        defer { connection.close() }
        let channel = try connection.openChannel()
        do { try attempt(channel) } catch let error as AMQPError { return error.replyCode }
        return nil
    }

    private func message() -> AMQPMessage {
        AMQPMessage(body: Array("{}".utf8))
    }

    func testAWorkersUserCannotDeclareOrDeleteAQueueOrAnExchange() throws {
        try workbench.reset(wallets: 2, balance: 1_000)
        XCTAssertEqual(try refusal(as: .worker) { _ = try $0.declareQueue("intruder") }, 403)
        XCTAssertEqual(try refusal(as: .worker) { _ = try $0.deleteQueue("commands.payment") }, 403)
        XCTAssertEqual(try refusal(as: .worker) { try $0.deleteExchange("flexfin.events") }, 403)
        XCTAssertEqual(try refusal(as: .worker) { try $0.declareExchange("intruder", type: "fanout") }, 403)
        // What a worker does: consume its queue, publish an event.
        XCTAssertNil(try refusal(as: .worker) { _ = try $0.consume("commands.payment") })
        XCTAssertNil(
            try refusal(as: .worker) { channel in
                try channel.enableConfirms()
                _ = try channel.publish(exchange: "flexfin.events", routingKey: "nobody.listens", message: self.message(), mandatory: false)
                try channel.waitForConfirms()
            })
        XCTAssertEqual(
            try refusal(as: .worker) { channel in
                try channel.enableConfirms()
                _ = try channel.publish(exchange: "amq.fanout", routingKey: "", message: self.message(), mandatory: false)
                try channel.waitForConfirms()
            }, 403, "an exchange outside the topology")
    }

    func testTheAPIsUserPublishesCommandsOnly() throws {
        try workbench.reset(wallets: 2, balance: 1_000)
        for role in [RuntimeRole.api, .operator] {
            XCTAssertEqual(try refusal(as: role) { _ = try $0.consume("commands.payment") }, 403, "\(role): consuming work")
            XCTAssertEqual(try refusal(as: role) { _ = try $0.declareQueue("intruder") }, 403, "\(role): declaring")
            XCTAssertEqual(
                try refusal(as: role) { channel in
                    try channel.enableConfirms()
                    _ = try channel.publish(exchange: "flexfin.events", routingKey: "payment.completed", message: self.message())
                    try channel.waitForConfirms()
                }, 403, "\(role): publishing an event")
            XCTAssertNil(
                try refusal(as: role) { channel in
                    try channel.enableConfirms()
                    _ = try channel.publish(exchange: "flexfin.commands", routingKey: "payment", message: self.message())
                    try channel.waitForConfirms()
                }, "\(role): publishing a command")
            XCTAssertNil(try refusal(as: role) { _ = try $0.consume("commands.payment.dlq") }, "\(role): taking dead letters in")
        }
        // The message published above is bad input for the payments
        // worker: drop it before anything consumes it.
        let owner = try settings.connectBroker()
        defer { owner.close() }
        _ = try owner.openChannel().purgeQueue("commands.payment")
    }
}
