import AMQPClient
import RedisClient
import Settings
import XCTest

final class ServiceSettingsTests: XCTestCase {
    func testDefaultsMatchTheLocalServices() throws {
        let settings = try ServiceSettings.fromEnvironment([:])
        XCTAssertEqual(settings.amqpEndpoints, [AMQPEndpoint(host: "127.0.0.1", port: 5673, user: "flexfin", password: "flexfin-local", vhost: "flexfin")])
        XCTAssertEqual(settings.redis, RedisEndpoint(host: "127.0.0.1", port: 6380, database: 0))
        XCTAssertEqual(settings.databaseURL, ServiceSettings.defaultDatabaseURL)
        XCTAssertEqual(settings.amqpManagementURL?.absoluteString, "http://127.0.0.1:15673")
    }

    func testSeveralAMQPURLsAreTriedInOrder() throws {
        let settings = try ServiceSettings.fromEnvironment([
            "FLEXFIN_AMQP_URL": "amqp://a:b@h1:1/v1, amqp://h2/%2F",
            "FLEXFIN_AMQP_MANAGEMENT_URL": "none",
        ])
        XCTAssertEqual(settings.amqpEndpoints, [
            AMQPEndpoint(host: "h1", port: 1, user: "a", password: "b", vhost: "v1"),
            AMQPEndpoint(host: "h2", port: 5672, user: "guest", password: "guest", vhost: "/"),
        ])
        XCTAssertNil(settings.amqpManagementURL)
    }

    func testPercentEncodedCredentialsAndVhostAreDecoded() throws {
        let endpoint = try AMQPEndpoint(url: "amqp://us%40er:p%3Ass@host:5673/my%2Fvhost")
        XCTAssertEqual(endpoint.user, "us@er")
        XCTAssertEqual(endpoint.password, "p:ss")
        XCTAssertEqual(endpoint.vhost, "my/vhost")
    }

    func testPasswordsNeverAppearInDescriptions() throws {
        let amqp = try AMQPEndpoint(url: "amqp://user:s3cret@host:5673/v")
        let redis = try RedisEndpoint(url: "redis://:s3cret@host:6380/2")
        XCTAssertEqual("\(amqp)", "host:5673")
        XCTAssertEqual("\(redis)", "host:6380")
        XCTAssertEqual(redis.database, 2)
        XCTAssertEqual(redis.password, "s3cret")
    }

    func testABadVariableIsNamedInTheError() {
        XCTAssertThrowsError(try ServiceSettings.fromEnvironment(["FLEXFIN_REDIS_URL": "redis://host:6380/zero"])) { error in
            XCTAssertTrue("\(error)".contains("FLEXFIN_REDIS_URL"), "\(error)")
            XCTAssertTrue("\(error)".contains("zero"), "\(error)")
        }
        XCTAssertThrowsError(try ServiceSettings.fromEnvironment(["FLEXFIN_AMQP_URL": "http://host"])) { error in
            XCTAssertTrue("\(error)".contains("FLEXFIN_AMQP_URL"), "\(error)")
        }
    }
}
