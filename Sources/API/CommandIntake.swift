import APIKeys
import Domain
import Foundation
import PostgresClient
import Submission

/// `POST /v1/commands`: the door of the HTTP API. A command is checked
/// exactly as its worker checks it, its id claimed for its content (a
/// reused id with other content is a 409, the inbox's rule), then published
/// and answered only once the broker confirmed it.
enum CommandIntake {
    /// The command of one JSON object. `idempotencyKey` is its id when the
    /// body has none; with both, they must agree.
    static func command(_ body: [UInt8], idempotencyKey: String?) throws(APIError) -> SubmittedCommand {
        var bytes = body
        if let idempotencyKey {
            guard case .object(var fields) = (try? JSONValue.parse(body)) ?? .null else {
                throw APIError.invalid(InvalidMessage(field: nil, "the body is not a JSON object"))
            }
            switch fields["command_id"] {
            case nil:
                fields["command_id"] = .string(idempotencyKey)
                bytes = Array(JSONValue.object(fields).serialized.utf8)
            case .string(let id)? where id == idempotencyKey:
                break
            default:
                throw APIError(
                    status: .badRequest, code: "invalid_command",
                    message: "field 'command_id' differs from the Idempotency-Key header; send one id", field: "command_id")
            }
        }
        do { return try SubmittedCommand(body: bytes) } catch { throw APIError.invalid(error) }
    }

    /// Operators' commands (freeze, unfreeze, close, a cancellation by
    /// `operator`) need the `operate` scope as well as `submit`: a key that
    /// moves money cannot also lock users out of theirs.
    static func permit(_ command: SubmittedCommand, to key: APIKey) -> Result<Void, APIError> {
        guard command.needsOperator, !key.scopes.contains(.operate) else { return .success(()) }
        return .failure(
            APIError(
                status: .forbidden, code: "missing_scope",
                message:
                    "this \(command.type) is an operator's command: key \"\(key.name)\" lacks the 'operate' scope it needs. Nothing was published",
                field: "type"))
    }

    /// A key bound to accounts may debit only those (403 naming the
    /// account); above its ceiling for the currency, the command is held for
    /// approval: the ceiling is returned. A funding's currency is its
    /// wallet's (the worker refuses any other).
    static func limit(_ command: SubmittedCommand, to key: APIKey, _ database: () throws -> PostgresConnection) throws -> Result<
        Money?, APIError
    > {
        guard let debit = command.debit, key.limits != .none else { return .success(nil) }
        let currency = try debit.currency == nil ? accountCurrency(debit.account, database()) : nil
        switch key.limits.decide(debit, currency: currency) {
        case .within: return .success(nil)
        case .aboveCeiling(let ceiling): return .success(ceiling)
        case .outsideAccounts(let account):
            return .failure(
                APIError(
                    status: .forbidden, code: "account_not_permitted",
                    message: "key \"\(key.name)\" may not debit account \(account); nothing was published"))
        }
    }

    private static func accountCurrency(_ account: String, _ database: PostgresConnection) throws -> Currency? {
        let rows = try database.execute(prepared: "SELECT currency FROM accounts WHERE id = $1", [account])
        return rows.count == 1 ? Currency(try rows.decode(0, "currency", as: String.self)) : nil
    }

    enum Claim { case new, resubmission }

    /// Claims each command's id for its content, in one transaction: a new
    /// id is recorded; the same id with the same content is a resubmission
    /// (published again: if the first publish was lost, this one counts;
    /// if not, the inbox absorbs it); other content is a conflict.
    static func claim(_ commands: [SubmittedCommand], key: String, in database: PostgresConnection) throws -> [Result<Claim, APIError>] {
        guard !commands.isEmpty else { return [] }
        return try database.transaction { db in
            let inserted = try db.execute(
                prepared: """
                    INSERT INTO api_submissions (command_id, command_type, digest, key_name)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], array_fill($4::text, ARRAY[cardinality($1::text[])]))
                    ON CONFLICT (command_id) DO NOTHING RETURNING command_id
                    """, [commands.map(\.commandId), commands.map(\.type), commands.map(\.digest), key])
            let new = Set(try (0..<inserted.count).map { try inserted.decode($0, "command_id", as: String.self) })
            // Earlier content of the others: submitted here, or through the CLI (the inbox).
            let earlier = try db.execute(
                prepared: """
                    SELECT command_id, digest FROM api_submissions WHERE command_id = ANY($1::text[])
                    UNION ALL
                    SELECT message_id, digest FROM inbox WHERE message_id = ANY($1::text[]) AND digest IS NOT NULL
                      AND consumer = ANY($2::text[])
                    """,
                [
                    commands.map(\.commandId).filter { !new.contains($0) },
                    Consumer.allCases.filter(\.consumesCommands).map(\.rawValue),
                ])
            var digests: [String: Set<String>] = [:]
            for row in 0..<earlier.count {
                digests[try earlier.decode(row, "command_id", as: String.self), default: []].insert(
                    try earlier.decode(row, "digest", as: String.self))
            }
            return commands.map { command in
                if new.contains(command.commandId) { return .success(.new) }
                guard digests[command.commandId, default: []].allSatisfy({ $0 == command.digest }) else {
                    return .failure(
                        APIError(
                            status: .conflict, code: "id_reused",
                            message: """
                                command_id "\(command.commandId)" was already used for a different command; one id, one command. \
                                Nothing was published
                                """, field: "command_id"))
                }
                return .success(.resubmission)
            }
        }
    }

    /// A publish that failed gives its new ids back: nothing of them was
    /// confirmed, so the id is not taken.
    static func release(_ ids: [String], in database: PostgresConnection) throws {
        guard !ids.isEmpty else { return }
        try database.execute(prepared: "DELETE FROM api_submissions WHERE command_id = ANY($1::text[])", [ids])
    }
}
