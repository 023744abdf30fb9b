import Crypto
import Domain
import Foundation
import PostgresClient

/// What a key may do.
public enum Scope: String, CaseIterable, Sendable, Codable {
    /// Submit commands.
    case submit
    /// Read command statuses, queues and dead letters.
    case read
    /// Dry-run, replay and purge dead letters (audited under the key's name).
    case operate
}

/// A key of the HTTP API as stored: never its secret.
public struct APIKey: Sendable, Equatable {
    public let id: String
    /// The actor the audit log records for what the key does.
    public let name: String
    public let scopes: Set<Scope>
    public let ratePerSecond: Int
    /// The accounts it may debit and the ceilings above which what it
    /// submits waits for an operator's approval.
    public let limits: KeyLimits

    public init(id: String, name: String, scopes: Set<Scope>, ratePerSecond: Int, limits: KeyLimits = .none) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.ratePerSecond = ratePerSecond
        self.limits = limits
    }
}

extension KeyLimits {
    /// As stored: `debit_accounts` (null: any) and `ceilings` as a JSON
    /// object of minor units by currency code.
    var ceilingsJSON: String {
        JSONValue.object(JSONObject(Dictionary(uniqueKeysWithValues: ceilings.map { ($0.key.code, JSONValue.integer($0.value)) })))
            .serialized
    }

    /// For people: `debits w1,w2` or `debits any`, and `above $500.00 approval`.
    var summary: [String] {
        ["debits " + (debitAccounts.map { $0.sorted().joined(separator: ",") } ?? "any")]
            + ceilings.sorted { $0.key.code < $1.key.code }.map { "above \($0.key.text($0.value)) approval" }
    }

    init(debitAccounts: String?, ceilingsJSON: String) {
        var ceilings: [Currency: Int64] = [:]
        if case .object(let fields)? = try? JSONValue.parse(Array(ceilingsJSON.utf8)) {
            for member in fields.members {
                if let currency = Currency(member.key), case .integer(let minorUnits) = member.value { ceilings[currency] = minorUnits }
            }
        }
        self.init(debitAccounts: debitAccounts.map { Set($0.split(separator: ",").map(String.init)) }, ceilings: ceilings)
    }
}

/// Keys are `ffk_<id>_<secret>`: the id (public) finds the row, the secret
/// (256 random bits) is checked against its stored SHA-256.
public enum APIKeyStore {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates a key and returns it with the whole token, which is shown
    /// once and never stored.
    public static func create(
        name: String, scopes: Set<Scope>, ratePerSecond: Int = 200, limits: KeyLimits = .none,
        in database: PostgresConnection
    ) throws -> (key: APIKey, token: String) {
        guard !scopes.isEmpty else { throw Failure(description: "a key needs at least one scope (submit, read, operate)") }
        let id = Hex.encode(randomBytes(8))
        let secret = Hex.encode(randomBytes(32))
        do {
            try database.execute(
                prepared: """
                    INSERT INTO api_keys (id, name, secret_sha256, scopes, rate_per_second, debit_accounts, ceilings)
                    VALUES ($1, $2, $3, $4::text[], $5, $6::text[], $7::jsonb)
                    """,
                [
                    id, name, digest(secret), scopes.map(\.rawValue).sorted(), ratePerSecond, limits.debitAccounts.map { $0.sorted() },
                    limits.ceilingsJSON,
                ])
        } catch {
            // `execute` throws only PostgresError (typed).
            switch error.sqlState {
            case .uniqueViolation:
                throw Failure(description: "a live key named \"\(name)\" exists; revoke it first or choose another name")
            case .checkViolation:
                throw Failure(
                    description: """
                        name "\(name)": 1 to 64 of letters, digits, '.', '_', '@', '-' (starting with a letter or digit), and a positive rate
                        """)
            default:
                throw error
            }
        }
        return (APIKey(id: id, name: name, scopes: scopes, ratePerSecond: ratePerSecond, limits: limits), "ffk_\(id)_\(secret)")
    }

    /// Revokes the live key of that name (or id); returns how many were revoked.
    public static func revoke(_ nameOrId: String, in database: PostgresConnection) throws -> Int {
        try database.execute(
            prepared: """
                UPDATE api_keys SET revoked_at = now() WHERE (name = $1 OR id = $1) AND revoked_at IS NULL
                """, [nameOrId]
        ).affectedRows
    }

    /// Every key, revoked ones too: name, id, scopes, rate, created,
    /// revoked, and its limits (the accounts it may debit, its ceilings).
    public static func list(in database: PostgresConnection) throws -> [[String]] {
        let rows = try database.query(
            """
            SELECT name, id, array_to_string(scopes, ','), rate_per_second::text, created_at::text, coalesce(revoked_at::text, ''),
              array_to_string(debit_accounts, ',') AS debit_accounts, ceilings::text AS ceilings
            FROM api_keys ORDER BY created_at
            """)
        return try (0..<rows.count).map { row in
            let limits = KeyLimits(
                debitAccounts: try rows.decode(row, "debit_accounts", as: String?.self), ceilingsJSON: try rows.decode(row, "ceilings"))
            return try (0..<6).map { try rows.decode(row, $0, as: String.self) } + limits.summary
        }
    }

    /// The live key a token names, when its secret matches; nil otherwise
    /// (unknown, revoked, malformed or wrong: one answer, so a caller
    /// learns nothing about which).
    public static func verify(_ token: String, in database: PostgresConnection) throws -> APIKey? {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "ffk", parts[1].count == 16, parts[2].count == 64 else { return nil }
        let rows = try database.execute(
            prepared: """
                SELECT name, secret_sha256, array_to_string(scopes, ',') AS scopes, rate_per_second,
                  array_to_string(debit_accounts, ',') AS debit_accounts, ceilings::text AS ceilings
                FROM api_keys WHERE id = $1 AND revoked_at IS NULL
                """, [String(parts[1])])
        guard rows.count == 1 else { return nil }
        let stored = Array(try rows.decode(0, "secret_sha256", as: String.self).utf8)
        let offered = Array(digest(String(parts[2])).utf8)
        // Constant time: how much of a guess matched must not show in timing.
        guard stored.count == offered.count, zip(stored, offered).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        let scopes = try rows.decode(0, "scopes", as: String.self).split(separator: ",").compactMap { Scope(rawValue: String($0)) }
        return APIKey(
            id: String(parts[1]), name: try rows.decode(0, "name"), scopes: Set(scopes),
            ratePerSecond: try rows.decode(0, "rate_per_second"),
            limits: KeyLimits(
                debitAccounts: try rows.decode(0, "debit_accounts", as: String?.self), ceilingsJSON: try rows.decode(0, "ceilings")))
    }

    private static func digest(_ secret: String) -> String { Hex.encode(SHA256.hash(data: Array(secret.utf8))) }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
