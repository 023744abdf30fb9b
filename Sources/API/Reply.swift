import Domain
import Foundation
import HTTPTypes
import Hummingbird

/// What a route answers: a status and a JSON body (or, for an export, a
/// text of its own type).
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var body: JSONValue
    var headers: HTTPFields = [:]
    var text: (body: String, contentType: String)?

    /// A text answer, e.g. a CSV export.
    static func text(_ body: String, contentType: String) -> Reply {
        var reply = Reply(.ok, .null)
        reply.text = (body, contentType)
        return reply
    }

    init(_ status: HTTPResponse.Status = .ok, _ body: JSONValue, headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    init(_ error: APIError) {
        self.init(error.status, error.json)
        if let seconds = error.retryAfter { headers[.retryAfter] = String(seconds) }
        if error.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
    }

    var response: Response {
        var fields = headers
        fields[.contentType] = text?.contentType ?? "application/json"
        fields[.cacheControl] = "no-store"
        return Response(
            status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text?.body ?? body.serialized)))
    }
}

extension JSONValue {
    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func int(_ value: Int?) -> JSONValue { value.map { .integer(Int64($0)) } ?? .null }
    static func double(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
}
