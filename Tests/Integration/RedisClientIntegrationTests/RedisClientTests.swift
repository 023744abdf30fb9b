import RedisClient
import TestSupport
import XCTest

/// Against the real Redis of deploy/local/services.
final class RedisClientTests: XCTestCase {
    private let endpoint = TestServices.settings.redis
    private let prefix = TestServices.uniqueName("test:redis")

    override func tearDownWithError() throws {
        let redis = try RedisConnection(endpoint: endpoint)
        let keys = try redis.command(["KEYS", "\(prefix)*"]).array?.compactMap(\.string) ?? []
        if !keys.isEmpty { try redis.command(["DEL"] + keys) }
    }

    func testPipelineOfAThousandCommands() throws {
        let redis = try RedisConnection(endpoint: endpoint)
        let sets: [[any RedisArgument]] = (0..<1000).map { ["SET", "\(prefix):\($0)", $0 * 7] }
        let setReplies = try redis.pipeline(sets)
        XCTAssertEqual(setReplies.count, 1000)
        XCTAssertTrue(setReplies.allSatisfy { $0 == .status("OK") })
        let gets: [[any RedisArgument]] = (0..<1000).map { ["GET", "\(prefix):\($0)"] }
        let values = try redis.pipeline(gets).map(\.integer)
        XCTAssertEqual(values, (0..<1000).map { Int64($0 * 7) })
    }

    func testAnErrorReplyInAPipelineSpoilsNothingElse() throws {
        let redis = try RedisConnection(endpoint: endpoint)
        let replies = try redis.pipeline([["SET", "\(prefix):a", "1"], ["INCR", "\(prefix):a", "extra"], ["GET", "\(prefix):a"]])
        XCTAssertEqual(replies[0], .status("OK"))
        guard case .error(let message) = replies[1] else { return XCTFail("expected an error reply, got \(replies[1])") }
        XCTAssertTrue(message.contains("wrong number of arguments"), message)
        XCTAssertEqual(replies[2].string, "1")
    }

    func testCommandsAreBinarySafe() throws {
        let redis = try RedisConnection(endpoint: endpoint)
        let value: [UInt8] = [0, 13, 10, 255, 0, 36]
        try redis.command(["SET", "\(prefix):bin", value])
        XCTAssertEqual(try redis.command(["GET", "\(prefix):bin"]), .string(value))
        // In a pipeline too, beside an empty value and non-ASCII text: each length is its bytes'.
        let replies = try redis.pipeline([
            ["SET", "\(prefix):bin2", value + value], ["SET", "\(prefix):empty", ""],
            ["SET", "\(prefix):text", "é€\r\n*2"], ["MGET", "\(prefix):bin2", "\(prefix):empty", "\(prefix):text"],
        ])
        XCTAssertEqual(replies.count, 4)
        XCTAssertEqual(replies[3], .array([.string(value + value), .string([]), .string(Array("é€\r\n*2".utf8))]))
    }

    func testScriptsRunByHashAndSurviveAScriptFlush() throws {
        let redis = try RedisConnection(endpoint: endpoint)
        // Adds ARGV[1] to KEYS[1] and returns the new value times two.
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1]) * 2")
        let key = "\(prefix):counter"
        XCTAssertEqual(try redis.run(script, keys: [key], arguments: [5]), .integer(10))
        try redis.command(["SCRIPT", "FLUSH"])  // the server forgets the script…
        XCTAssertEqual(try redis.run(script, keys: [key], arguments: [2]), .integer(14))  // …EVAL takes over
        let replies = try redis.pipeline([.script(script, keys: [key], arguments: ["1"]), .plain(["GET", key])])
        XCTAssertEqual(replies, [.integer(16), .string(Array("8".utf8))])
        try redis.command(["SCRIPT", "FLUSH"])
        XCTAssertEqual(
            try redis.pipeline([.script(script, keys: [key], arguments: ["1"])]), [.integer(18)],
            "a pipeline retries a forgotten script with EVAL")
    }

    func testServerErrorsAreTypedAndTheConnectionStaysUsable() throws {
        let redis = try RedisConnection(endpoint: endpoint)
        XCTAssertThrowsError(try redis.command(["NOSUCHCOMMAND"])) { error in
            let error = error as! RedisError
            XCTAssertEqual(error.code, .serverError)
            XCTAssertFalse(error.isRetryable)
        }
        XCTAssertEqual(try redis.command(["PING"]), .status("PONG"))
    }

    func testConnectionFailuresNameHostAndPort() throws {
        let port = closedPort()
        XCTAssertThrowsError(try RedisConnection(endpoint: RedisEndpoint(host: "127.0.0.1", port: port))) { error in
            let error = error as! RedisError
            XCTAssertEqual(error.code, .connectionFailed)
            XCTAssertTrue(error.isRetryable)
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
        }
        XCTAssertThrowsError(try RedisConnection(endpoint: RedisEndpoint(host: "no-such-host.invalid", port: 6380))) { error in
            XCTAssertTrue("\(error)".contains("no-such-host.invalid:6380"), "\(error)")
        }
    }

    func testASilentServerTimesOutWithinTheConfiguredBound() throws {
        let listener = SilentListener()
        let started = ContinuousClock.now
        // The TCP connect succeeds; the first command gets no answer.
        let redis = try RedisConnection(endpoint: RedisEndpoint(host: "127.0.0.1", port: listener.port), timeout: .seconds(1))
        XCTAssertThrowsError(try redis.command(["PING"])) { error in
            XCTAssertEqual((error as! RedisError).code, .timeout, "\(error)")
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(listener.port)"), "\(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(4))
        XCTAssertThrowsError(try redis.command(["PING"])) { error in
            XCTAssertEqual((error as! RedisError).code, .connectionLost, "a timed-out context is not reused: \(error)")
        }
    }
}
