import Foundation
import PostgresClient
import RedisClient
import Settings
import TestSupport
import XCTest

/// The pipeline over TLS to every server (`deploy/local/services start
/// --tls`): AMQPS, the management API over https (the harness makes its
/// vhost through it), PostgreSQL with sslmode=verify-full, Redis through
/// the stunnel client to its TLS port; and the servers' own lists of
/// connections show every one of the run's encrypted.
final class TLSTests: PipelineTestCase {
    override func servers() throws -> ServiceSettings { try TestServices.tlsSettings() }

    func testPaymentsRunEndToEndOverTLSAndEveryConnectionIsEncrypted() throws {
        XCTAssertNotNil(settings.amqpEndpoints.first?.tls, "the broker URL is amqps")
        XCTAssertTrue(settings.databaseURL.contains("sslmode=verify-full"), "the database URL verifies the server")
        XCTAssertEqual(settings.amqpManagementURLs.first?.scheme, "https", "the management API is reached over https")
        let workload = try w1(600)
        try submit(workload.commands)
        let workers =
            try ["payments-worker", "milestones-worker", "repayments-worker", "risk-worker"].map { try start($0) }
            + startEventWorkers()
        try workbench.waitUntilComplete(workload.expected.followUps, workers: workers, upTo: .seconds(120))
        try workbench.waitUntilOutboxDrained(upTo: .seconds(30))
        try assertInvariants(workload.expected)

        // PostgreSQL: every session of the run's database, the workers' among them.
        let sessions = try settings.connectDatabase().query(
            """
            SELECT a.usename AS role, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
            WHERE a.datname = current_database() AND a.backend_type = 'client backend'
            """)
        let roles = try (0..<sessions.count).map { try sessions.decode($0, "role", as: String.self) }
        XCTAssertTrue(roles.contains(RuntimeRole.worker.rawValue), "the workers' sessions: \(roles)")
        for row in 0..<sessions.count {
            XCTAssertTrue(try sessions.decode(row, "ssl", as: Bool.self), "a session of \(roles[row]) without TLS")
        }

        // RabbitMQ: the vhost's connections, as the broker lists them (its
        // statistics come a few seconds behind).
        let management = try XCTUnwrap(settings.managementAPI)
        var connections = try management.connections()
        let deadline = ContinuousClock.now + .seconds(20)
        while !connections.contains(where: { $0.user == RuntimeRole.worker.rawValue }), ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            connections = try management.connections()
        }
        XCTAssertGreaterThanOrEqual(connections.count, workers.count, "\(connections.map(\.name))")
        XCTAssertTrue(connections.contains { $0.user == RuntimeRole.worker.rawValue }, "\(connections.map(\.user))")
        for connection in connections { XCTAssertTrue(connection.tls, "\(connection.name) is not TLS") }

        // Redis: every client of the run's database came in by the TLS port.
        let cache = settings.redis
        let clients = try TestServices.settings.connectCache().command(["CLIENT", "LIST"]).string ?? ""
        let ours = clients.split(separator: "\n").filter { $0.contains(" db=\(cache.database) ") }
        XCTAssertGreaterThanOrEqual(ours.count, 1, clients)
        let tlsPort = try XCTUnwrap(Self.redisTLSPort(), "Redis has no TLS port")
        for client in ours { XCTAssertTrue(client.contains("laddr=127.0.0.1:\(tlsPort) "), "not by the TLS port: \(client)") }
    }

    private static func redisTLSPort() throws -> String? {
        try TestServices.settings.connectCache().command(["CONFIG", "GET", "tls-port"]).array?.last?.string
    }
}
