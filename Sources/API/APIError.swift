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
