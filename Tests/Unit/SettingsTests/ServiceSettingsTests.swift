import AMQPClient
import RedisClient
import Settings
import XCTest

final class ServiceSettingsTests: XCTestCase {
    /// Outside local mode nothing starts on the local defaults, nor on a
    /// known password: the error names the setting.
    func testOutsideLocalModeEverySettingIsGivenAndNoKnownPasswordIsUsed() throws {
        let given = [
            "FLEXFIN_AMQP_URL": "amqp://app:s3cret@mq:5672/flexfin",
            "FLEXFIN_DATABASE_URL": "postgresql://flexfin_worker:s3cret@pg/flexfin",
            "FLEXFIN_REDIS_URL": "redis://cache:6379/0",
        ]
        XCTAssertNoThrow(try ServiceSettings.fromEnvironment(given))
        for (name, value) in [
            ("FLEXFIN_AMQP_URL", ""), ("FLEXFIN_DATABASE_URL", ""), ("FLEXFIN_REDIS_URL", ""),
            ("FLEXFIN_AMQP_URL", "amqp://mq:5672/flexfin"), ("FLEXFIN_AMQP_URL", "amqp://flexfin:flexfin-local@mq/flexfin"),
            ("FLEXFIN_DATABASE_URL", "postgresql://flexfin:flexfin-local@pg/flexfin"),
            ("FLEXFIN_REDIS_URL", "redis://flexfin:flexfin-local@cache:6379/0"),
        ] {
            XCTAssertThrowsError(try ServiceSettings.fromEnvironment(given.merging([name: value]) { $1 }), "\(name)=\(value)") {
                XCTAssertEqual(($0 as? SettingsError)?.variable, name)
            }
        }
        XCTAssertNoThrow(try ServiceSettings.fromEnvironment(["FLEXFIN_ENV": "local"]), "local mode: the local defaults")
    }

    func testDefaultsMatchTheLocalServices() throws {
        let settings = try ServiceSettings.fromEnvironment(["FLEXFIN_ENV": "local"])
        XCTAssertEqual(
            settings.amqpEndpoints,
            [AMQPEndpoint(host: "127.0.0.1", port: 5673, user: "flexfin", password: "flexfin-local", vhost: "flexfin")])
        XCTAssertEqual(settings.redis, RedisEndpoint(host: "127.0.0.1", port: 6380, database: 0))
        XCTAssertEqual(settings.databaseURL, ServiceSettings.defaultDatabaseURL)
        XCTAssertEqual(settings.amqpManagementURLs.map(\.absoluteString), ["http://127.0.0.1:15673"])
    }

    func testSeveralAMQPURLsAreTriedInOrder() throws {
        let settings = try ServiceSettings.fromEnvironment([
            "FLEXFIN_ENV": "local",
            "FLEXFIN_AMQP_URL": "amqp://a:b@h1:1/v1, amqp://h2/%2F",
            "FLEXFIN_AMQP_MANAGEMENT_URL": "none",
        ])
        XCTAssertEqual(
            settings.amqpEndpoints,
            [
                AMQPEndpoint(host: "h1", port: 1, user: "a", password: "b", vhost: "v1"),
                AMQPEndpoint(host: "h2", port: 5672, user: "guest", password: "guest", vhost: "/"),
            ])
        XCTAssertEqual(settings.amqpManagementURLs, [])
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

    func testTLSAndACLUsersComeFromTheURLsAndSurviveTheRoundTrip() throws {
        let amqps = try AMQPEndpoint(url: "amqps://u:p@broker.internal/v?cacertfile=/etc/flexfin/ca.pem")
        XCTAssertEqual(amqps.port, 5671, "AMQPS's port by default")
        XCTAssertEqual(amqps.tls?.caFile, "/etc/flexfin/ca.pem")
        XCTAssertEqual(try AMQPEndpoint(url: amqps.url), amqps, "a child process gets the same TLS settings")
        XCTAssertEqual(try AMQPEndpoint(url: "amqps://u:p@broker/v").tls?.caFile, AMQPEndpoint.TLS.systemCAFile)
        XCTAssertNil(try AMQPEndpoint(url: "amqp://u:p@broker/v").tls)
        XCTAssertThrowsError(try AMQPEndpoint(url: "amqp://u:p@broker/v?cacertfile=/ca.pem"), "a CA for a plain connection")
        XCTAssertThrowsError(try AMQPEndpoint(url: "amqps://u:p@broker/v?verify=none"), "no way to switch verification off")

        let redis = try RedisEndpoint(url: "redis://flexfin:s3cret@127.0.0.1:6382/3")
        XCTAssertEqual(redis.user, "flexfin")
        XCTAssertEqual(redis.password, "s3cret")
        XCTAssertEqual(try RedisEndpoint(url: redis.url), redis)
        XCTAssertThrowsError(try RedisEndpoint(url: "redis://flexfin@127.0.0.1:6382/3"), "a user without a password")
    }

    func testABadVariableIsNamedInTheError() {
        XCTAssertThrowsError(try ServiceSettings.fromEnvironment(["FLEXFIN_ENV": "local", "FLEXFIN_REDIS_URL": "redis://host:6380/zero"])) {
            error in
            XCTAssertTrue("\(error)".contains("FLEXFIN_REDIS_URL"), "\(error)")
            XCTAssertTrue("\(error)".contains("zero"), "\(error)")
        }
        XCTAssertThrowsError(try ServiceSettings.fromEnvironment(["FLEXFIN_ENV": "local", "FLEXFIN_AMQP_URL": "http://host"])) { error in
            XCTAssertTrue("\(error)".contains("FLEXFIN_AMQP_URL"), "\(error)")
        }
    }

    /// A cluster: one management URL per node, tried in order.
    func testSeveralManagementURLsAreKeptInOrder() throws {
        let settings = try ServiceSettings.fromEnvironment([
            "FLEXFIN_ENV": "local", "FLEXFIN_AMQP_MANAGEMENT_URL": "http://n1:15681, http://n2:15682",
        ])
        XCTAssertEqual(settings.amqpManagementURLs.map(\.absoluteString), ["http://n1:15681", "http://n2:15682"])
        XCTAssertEqual(settings.environment["FLEXFIN_AMQP_MANAGEMENT_URL"], "http://n1:15681,http://n2:15682")
        XCTAssertThrowsError(
            try ServiceSettings.fromEnvironment(["FLEXFIN_ENV": "local", "FLEXFIN_AMQP_MANAGEMENT_URL": "http://n1,ftp://n2"])
        ) { error in
            XCTAssertTrue("\(error)".contains("\"ftp://n2\" is not an http(s) URL"), "\(error)")
        }
    }

    /// libpq's multi-host URI (a primary and its standby) keeps its hosts
    /// and parameters when another database is named.
    func testAnotherDatabaseIsNamedInAMultiHostURI() throws {
        var settings = try ServiceSettings.fromEnvironment([
            "FLEXFIN_ENV": "local",
            "FLEXFIN_DATABASE_URL": "postgresql://u:p@127.0.0.1:5433,127.0.0.1:5434/flexfin?target_session_attrs=read-write",
        ])
        XCTAssertEqual(
            try settings.databaseURL(naming: "flexfin_test"),
            "postgresql://u:p@127.0.0.1:5433,127.0.0.1:5434/flexfin_test?target_session_attrs=read-write")
        settings.databaseURL = "postgres://h"
        XCTAssertEqual(try settings.databaseURL(naming: "x"), "postgres://h/x")
        settings.databaseURL = "host=h dbname=flexfin"
        XCTAssertThrowsError(try settings.databaseURL(naming: "x"))
    }
}
