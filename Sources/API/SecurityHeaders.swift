import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The headers every answer carries: a Content-Security-Policy that lets
/// the ops page run only its own inline script and style (by their SHA-256,
/// so an injected one does not run), load and call nothing but this origin,
/// and be framed by no one; no MIME sniffing; no Referer sent on.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    let policy: String

    /// `page`: the ops page, whose inline `<script>` and `<style>` the policy allows.
    init(page: String) {
        func hashes(_ tag: String) -> String {
            var found: [String] = []
            var rest = page[...]
            while let open = rest.range(of: "<\(tag)>"), let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex) {
                let body = Data(rest[open.upperBound..<close.lowerBound].utf8)
                found.append("'sha256-\(Data(SHA256.hash(data: body)).base64EncodedString())'")
                rest = rest[close.upperBound...]
            }
            return found.joined(separator: " ")
        }
        policy =
            "default-src 'none'; script-src \(hashes("script")); style-src \(hashes("style")); connect-src 'self'; img-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return response
    }
}
