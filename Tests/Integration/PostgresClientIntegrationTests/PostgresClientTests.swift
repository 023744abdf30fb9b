import Domain
import PostgresClient
import TestSupport
import XCTest

/// Against the real PostgreSQL of deploy/local/services.
final class PostgresClientTests: XCTestCase {
    private let url = TestServices.settings.databaseURL
    private var table = ""

    override func setUpWithError() throws {
        table = "test_pg_" + TestServices.uniqueName("t").dropFirst(2)
        try PostgresConnection(url).query("CREATE TABLE \(table) (id text PRIMARY KEY, amount bigint NOT NULL)")
    }

    override func tearDownWithError() throws {
        try PostgresConnection(url).query("DROP TABLE IF EXISTS \(table)")
    }

    private func count(_ connection: PostgresConnection) throws -> Int64 {
        try XCTUnwrap(connection.query("SELECT count(*) FROM \(table)").int64(0, 0))
    }

    func testTransactionCommitsWhenTheBodyReturns() throws {
        let writer = try PostgresConnection(url)
        let reader = try PostgresConnection(url)
        let inserted = try writer.transaction { db in
            try db.query("INSERT INTO \(table) VALUES ($1, $2), ($3, $4)", ["a", 1, "b", 2]).affectedRows
        }
        XCTAssertEqual(inserted, 2)
        XCTAssertEqual(try count(reader), 2)
    }

    func testTransactionRollsBackWhenTheBodyThrows() throws {
        struct Abort: Error {}
        let connection = try PostgresConnection(url)
        XCTAssertThrowsError(
            try connection.transaction { db in
                try db.query("INSERT INTO \(table) VALUES ($1, $2)", ["a", 1])
                throw Abort()
            }
        ) { XCTAssertTrue($0 is Abort) }
        XCTAssertEqual(try count(connection), 0)
        // The connection is usable again, outside any transaction.
        XCTAssertEqual(try connection.query("SELECT 1").int(0, 0), 1)
    }

    func testUniqueViolationIsTypedAndNotRetryable() throws {
        let connection = try PostgresConnection(url)
        try connection.query("INSERT INTO \(table) VALUES ($1, $2)", ["secret-id", 1])
        XCTAssertThrowsError(try connection.query("INSERT INTO \(table) VALUES ($1, $2)", ["secret-id", 2])) { error in
            let error = error as! PostgresError
            XCTAssertEqual(error.sqlState, .uniqueViolation)
            XCTAssertEqual(error.sqlState.code, "23505")
            XCTAssertFalse(error.isRetryable)
            XCTAssertEqual(error.constraint, "\(table)_pkey")
            XCTAssertFalse("\(error)".contains("secret-id"), "bound values stay out of messages: \(error)")
        }
    }

    func testSerializationFailureIsTypedAndRetryable() throws {
        let first = try PostgresConnection(url)
        let second = try PostgresConnection(url)
        try second.query("BEGIN ISOLATION LEVEL SERIALIZABLE")
        _ = try count(second)
        try first.transaction(.serializable) { db in
            _ = try count(db)
            try db.query("INSERT INTO \(table) VALUES ($1, $2)", ["first", 1])
        }
        XCTAssertThrowsError(
            try {
                try second.query("INSERT INTO \(table) VALUES ($1, $2)", ["second", 1])
                try second.query("COMMIT")
            }()
        ) { error in
            let error = error as! PostgresError
            XCTAssertEqual(error.sqlState, .serializationFailure)
            XCTAssertTrue(error.isRetryable)
        }
    }

    func testParametersAreNeverSpliced() throws {
        let connection = try PostgresConnection(url)
        let hostile = "x'); DROP TABLE \(table); --"
        XCTAssertEqual(try connection.query("SELECT $1::text", [hostile]).string(0, 0), hostile)
        XCTAssertEqual(try connection.query("SELECT $1::text IS NULL", [String?.none]).bool(0, 0), true)
        XCTAssertEqual(try count(connection), 0)  // the table is still there
    }

    func testArraysBindForSetBasedStatements() throws {
        let connection = try PostgresConnection(url)
        let ids = ["a", "b,c", "d\"e", "f\\g", "NULL"]
        let amounts: [Int64] = [1, 2, 3, 4, 5]
        let rows = try connection.query(
            "INSERT INTO \(table) SELECT * FROM unnest($1::text[], $2::bigint[]) RETURNING id", [ids, amounts])
        XCTAssertEqual((0..<rows.count).compactMap { rows.string($0, 0) }.sorted(), ids.sorted())
        XCTAssertEqual(try connection.query("SELECT sum(amount) FROM \(table) WHERE id = ANY($1)", [["a", "NULL"]]).int64(0, 0), 6)
    }

    /// The binary `text[]` encoder, proven against the server: any text a
    /// value may hold (quotes, backslashes, braces, commas, the word NULL,
    /// blanks, emoji, NULL elements) comes back byte for byte, in order, and
    /// so does an empty array. Seeded.
    func testArrayParametersCarryAnyTextByteForByte() throws {
        let pieces = ["\"", "\\", "{", "}", ",", " ", "\n", "\t", "NULL", "null", "'", "e\u{301}", "😀", "👩‍👩‍👧", "日本", "\u{1}", ""]
        var random = SeededRandom(seed: 42)
        let connection = try PostgresConnection(url)
        for _ in 0..<20 {
            let values: [String?] = (0..<50).map { _ in
                Int.random(in: 0..<10, using: &random) == 0
                    ? nil
                    : (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            }
            let rows = try connection.query("SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n", [values])
            XCTAssertEqual(rows.count, values.count)
            for (index, value) in values.enumerated() {
                XCTAssertEqual(rows.string(index, 0).map { Array($0.utf8) }, value.map { Array($0.utf8) }, "element \(index)")
            }
        }
        XCTAssertEqual(try connection.query("SELECT cardinality($1::text[])", [[String]()]).int(0, 0), 0)
    }

    /// libpq takes parameters as C strings: a U+0000 would cut one short.
    func testAParameterHoldingNULIsRefusedNotCutShort() throws {
        let connection = try PostgresConnection(url)
        XCTAssertThrowsError(try connection.query("SELECT $1::text[]", [["ok", "a\u{0}b"]])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, .characterNotInRepertoire)
            XCTAssertTrue("\(error)".contains("parameter $1 contains U+0000"), "\(error)")
        }
        XCTAssertThrowsError(try connection.query("SELECT $1::int, $2::text", [1, "a\u{0}"])) { error in
            XCTAssertTrue("\(error)".contains("parameter $2 contains U+0000"), "\(error)")
        }
        XCTAssertEqual(try connection.query("SELECT 1").int(0, 0), 1, "the connection goes on")
    }

    func testRowsDecodeTypedAndABadValueIsAnErrorNamingTheColumn() throws {
        let connection = try PostgresConnection(url)
        let rows = try connection.query("SELECT 'w1'::text AS id, 42::bigint AS balance, NULL::text AS memo, 't'::bool AS open")
        XCTAssertEqual(try rows.decode(0, "id", as: String.self), "w1")
        XCTAssertEqual(try rows.decode(0, 1, as: Int64.self), 42)
        XCTAssertEqual(try rows.decode(0, "memo", as: String?.self), nil)
        XCTAssertEqual(try rows.decode(0, "open", as: Bool.self), true)
        XCTAssertEqual(try rows.column("balance"), 1, "a loop looks a column up once and decodes by its position")
        for (attempt, mentions) in [
            ({ _ = try rows.decode(0, "memo", as: String.self) }, "column 'memo' of row 0 is NULL"),
            ({ _ = try rows.decode(0, "id", as: Int64.self) }, "column 'id' of row 0 is not a Int64"),
            ({ _ = try rows.decode(0, "nope", as: Int64.self) }, "no column 'nope'"),
            ({ _ = try rows.decode(1, 0, as: String.self) }, "out of range"),
        ] as [(() throws -> Void, String)] {
            XCTAssertThrowsError(try attempt()) { error in
                XCTAssertTrue("\(error)".contains(mentions), "\(error)")
                XCTAssertFalse("\(error)".contains("w1"), "no value in the error")
            }
        }
    }

    /// The body's error explains what happened; a rollback that fails after
    /// it (here: the body already ended the transaction) must not replace it.
    func testASavepointRethrowsTheBodysErrorNotTheRollbacks() throws {
        struct BodyFailed: Error {}
        let connection = try PostgresConnection(url)
        try connection.query("BEGIN")
        XCTAssertThrowsError(
            try connection.savepoint { db in
                try db.query("ROLLBACK")
                throw BodyFailed()
            }
        ) { error in
            XCTAssertTrue(error is BodyFailed, "\(error)")
        }
    }

    /// New rows go in by a plain insert; with one already there, the
    /// statement runs again skipping it, in the same transaction, and only
    /// the rows inserted come back.
    func testInsertSkippingExistingReturnsOnlyTheNewRowsAndKeepsTheTransaction() throws {
        let connection = try PostgresConnection(url)
        let insert = "INSERT INTO \(table) (id, amount) SELECT * FROM unnest($1::text[], $2::bigint[])"
        let added = try connection.transaction { db in
            let first = try db.insertSkippingExisting(insert, returning: "RETURNING id", [["a", "b"], [1, 2]])
            let second = try db.insertSkippingExisting(insert, returning: "RETURNING id", [["b", "c", "a", "d"], [20, 3, 10, 4]])
            return try [first, second].map { rows in try (0..<rows.count).map { try rows.decode($0, 0, as: String.self) }.sorted() }
        }
        XCTAssertEqual(added, [["a", "b"], ["c", "d"]])
        let amounts = try connection.query("SELECT string_agg(id || '=' || amount, ',' ORDER BY id) FROM \(table)").string(0, 0)
        XCTAssertEqual(amounts, "a=1,b=2,c=3,d=4", "rows already there are left as they were; the transaction committed the rest")
    }

    /// An inner savepoint that failed (as `insertSkippingExisting`'s first
    /// try does) is gone: the outer one's rollback undoes the outer body's
    /// work from its start, not from where the inner one began.
    func testAnOuterSavepointUndoesAllOfItsBodyAfterAnInnerOneFailed() throws {
        struct Abort: Error {}
        let connection = try PostgresConnection(url)
        try connection.transaction { db in
            try db.query("INSERT INTO \(table) VALUES ('kept', 1)")
            XCTAssertThrowsError(
                try db.savepoint { db in
                    try db.query("INSERT INTO \(table) VALUES ('outer', 2)")
                    XCTAssertThrowsError(try db.savepoint { db in try db.query("INSERT INTO \(table) VALUES ('kept', 3)") })
                    try db.query("INSERT INTO \(table) VALUES ('outer, later', 4)")
                    throw Abort()
                }
            ) { XCTAssertTrue($0 is Abort, "\($0)") }
        }
        let ids = try connection.query("SELECT string_agg(id, ',' ORDER BY id) FROM \(table)").string(0, 0)
        XCTAssertEqual(ids, "kept")
    }

    func testPreparedStatementsAreReused() throws {
        let connection = try PostgresConnection(url)
        let sql = "INSERT INTO \(table) VALUES ($1, $2)"
        for index in 0..<10 { try connection.execute(prepared: sql, ["p\(index)", index]) }
        let sum = try connection.execute(prepared: "SELECT sum(amount) FROM \(table) WHERE amount >= $1", [0])
        XCTAssertEqual(sum.int64(0, 0), 45)
        XCTAssertEqual(try connection.query("SELECT count(*) FROM pg_prepared_statements").int(0, 0), 2)
    }

    func testMultiHostStringFailsOverToTheLiveServer() throws {
        let dead = closedPort()
        let connection = try PostgresConnection(
            "postgresql://flexfin:flexfin-local@127.0.0.1:\(dead),127.0.0.1:5433/flexfin?target_session_attrs=read-write")
        XCTAssertEqual(connection.server, "127.0.0.1:\(dead),127.0.0.1:5433")
        XCTAssertEqual(try connection.query("SELECT 1").int(0, 0), 1)
    }

    func testConnectionFailuresNameTheServerAndNeverThePassword() throws {
        XCTAssertThrowsError(try PostgresConnection("postgresql://flexfin:wrong-pw@127.0.0.1:5433/flexfin")) { error in
            let error = error as! PostgresError
            XCTAssertEqual(error.sqlState, .invalidPassword)
            XCTAssertFalse(error.isRetryable)
            XCTAssertTrue("\(error)".contains("127.0.0.1:5433"), "\(error)")
            XCTAssertFalse("\(error)".contains("wrong-pw"), "\(error)")
        }
        let port = closedPort()
        XCTAssertThrowsError(try PostgresConnection("host=127.0.0.1 port=\(port) user=flexfin password=pw")) { error in
            let error = error as! PostgresError
            XCTAssertEqual(error.sqlState, .unableToConnect)
            XCTAssertTrue(error.isRetryable)
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
        }
        XCTAssertThrowsError(try PostgresConnection("postgresql://u:p@no-such-host.invalid:5433/db")) { error in
            XCTAssertEqual((error as! PostgresError).sqlState, .unableToConnect)
            XCTAssertTrue("\(error)".contains("no-such-host.invalid:5433"), "\(error)")
        }
        XCTAssertThrowsError(try PostgresConnection("host=a nonsense_option=1")) { error in
            XCTAssertEqual((error as! PostgresError).sqlState, .invalidConnectionString)
        }
    }

    func testASilentServerTimesOutWithinTheConfiguredBound() throws {
        let listener = SilentListener()
        let started = ContinuousClock.now
        XCTAssertThrowsError(try PostgresConnection("host=127.0.0.1 port=\(listener.port) user=u", connectTimeout: 1)) { error in
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(listener.port)"), "\(error)")
            XCTAssertTrue((error as! PostgresError).isRetryable)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(4))
    }

    func testALostConnectionIsRetryable() throws {
        let victim = try PostgresConnection(url)
        let pid = try XCTUnwrap(victim.query("SELECT pg_backend_pid()").int(0, 0))
        try PostgresConnection(url).query("SELECT pg_terminate_backend($1)", [pid])
        XCTAssertThrowsError(try victim.query("SELECT 1")) { error in
            let error = error as! PostgresError
            XCTAssertTrue(error.isRetryable, "\(error)")
            XCTAssertEqual(error.sqlState.errorClass == "08" || error.sqlState == .adminShutdown, true, "\(error)")
        }
    }
}
