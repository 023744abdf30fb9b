import Domain
import HTTPTypes

/// A refusal with what was wrong and where: the JSON body
/// `{"error": {"code", "message", "field"}}` and its status.
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var field: String?
    /// Seconds, for 429 and 503.
    var retryAfter: Int?

    var json: JSONValue {
        var error: JSONObject = ["code": .string(code), "message": .string(message)]
        error["field"] = field.map(JSONValue.string)
        return .object(["error": .object(error)])
    }

    static func invalid(_ problem: InvalidMessage) -> APIError {
        APIError(status: .badRequest, code: "invalid_command", message: "\(problem); nothing was published", field: problem.field)
    }

    static let unauthenticated = APIError(
        status: .unauthorized, code: "unauthenticated",
        message: "send a live API key as 'Authorization: Bearer <key>' (create one with flexfin apikey create)")

    static func forbidden(_ scope: String, name: String) -> APIError {
        APIError(status: .forbidden, code: "missing_scope", message: "key \"\(name)\" lacks the '\(scope)' scope this needs")
    }

    static func unavailable(_ what: String, retryAfter: Int = 2) -> APIError {
        APIError(
            status: .serviceUnavailable, code: "unavailable",
            message: "\(what); nothing was accepted, try again", retryAfter: retryAfter)
    }
}

// Checks of a request's path and query, shared by every route that reads.
extension APIError {
    /// A query flag: absent, `true` or `false`.
    static func flag(_ text: String?, _ name: String) throws(APIError) -> Bool {
        switch text {
        case nil, "false"?: return false
        case "true"?: return true
        default: throw APIError(status: .badRequest, code: "invalid_query", message: "\(name) must be true or false", field: name)
        }
    }

    /// `after`: a page's `next`, a positive integer.
    static func cursor(_ text: String?) throws(APIError) -> Int64? {
        guard let text else { return nil }
        guard let value = Int64(text), value > 0 else {
            throw APIError(status: .badRequest, code: "invalid_query", message: "after must be a page's next", field: "after")
        }
        return value
    }

    /// `limit`: 1 to `most`, 100 when absent (or `most`, when smaller).
    static func limit(_ text: String?, upTo most: Int) throws(APIError) -> Int {
        guard let text else { return min(100, most) }
        guard let value = Int(text), (1...most).contains(value) else {
            throw APIError(status: .badRequest, code: "invalid_query", message: "limit must be 1 to \(most)", field: "limit")
        }
        return value
    }

    /// Ids of the contract are 1 to 64 characters, none of them U+0000
    /// (which PostgreSQL's text cannot hold).
    static func checkId(_ id: String, field: String = "id") throws(APIError) {
        guard !id.isEmpty, id.unicodeScalars.count <= MessageFields.maxIdLength, !id.unicodeScalars.contains("\u{0}") else {
            throw APIError(
                status: .badRequest, code: "invalid_id",
                message: "an id is 1 to \(MessageFields.maxIdLength) characters, none of them U+0000", field: field)
        }
    }

    static func unknownAccount(_ id: String) -> APIError {
        APIError(status: .notFound, code: "unknown_account", message: "no account with id \"\(id)\"")
    }
}
