import CCurl

/// One HTTP(S) request at a time through libcurl, for the few calls the
/// runtime makes to an HTTP API (RabbitMQ's management API). Over https the
/// server's certificate is verified, against `caFile` when given (a private
/// CA, which Foundation's URLSession on Linux cannot be told of), else the
/// system's authorities, and its name against the URL's host.
public enum HTTPClient {
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// Why nothing was answered: unreachable, timed out, refused in the TLS handshake.
        public let description: String
    }

    public static func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil, caFile: String? = nil,
        timeoutSeconds: Int = 10
    ) throws(Failure) -> Response {
        guard let handle = curl_easy_init() else { throw Failure(description: "libcurl could not make a handle") }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for (name, value) in headers { list = curl_slist_append(list, "\(name): \(value)") }
        let received = Received()
        let context = Unmanaged.passUnretained(received).toOpaque()
        var status = withExtendedLifetime(received) { () -> CURLcode in
            var outcome = CURLE_OK
            func set(_ code: CURLcode) { if outcome == CURLE_OK { outcome = code } }
            set(flexfin_curl_set_string(handle, CURLOPT_URL, url))
            set(flexfin_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method))
            set(flexfin_curl_set_long(handle, CURLOPT_TIMEOUT, timeoutSeconds))
            set(flexfin_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
            set(flexfin_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
            set(flexfin_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
            if let caFile { set(flexfin_curl_set_string(handle, CURLOPT_CAINFO, caFile)) }
            set(flexfin_curl_set_pointer(handle, CURLOPT_HTTPHEADER, list.map { UnsafeMutableRawPointer($0) }))
            set(
                flexfin_curl_set_writer(
                    handle,
                    { data, size, count, context in
                        let received = Unmanaged<Received>.fromOpaque(context!).takeUnretainedValue()
                        received.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
                        return size * count
                    }))
            set(flexfin_curl_set_pointer(handle, CURLOPT_WRITEDATA, context))
            guard outcome == CURLE_OK else { return outcome }
            if let body {
                return body.withUnsafeBufferPointer { bytes in
                    set(flexfin_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count))
                    set(flexfin_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
                    return outcome == CURLE_OK ? curl_easy_perform(handle) : outcome
                }
            }
            return curl_easy_perform(handle)
        }
        guard status == CURLE_OK else { throw Failure(description: String(cString: curl_easy_strerror(status))) }
        var code = 0
        status = flexfin_curl_response_code(handle, &code)
        guard status == CURLE_OK else { throw Failure(description: String(cString: curl_easy_strerror(status))) }
        return Response(status: code, body: received.bytes)
    }

    /// The answer's bytes as libcurl hands them over (on this thread).
    private final class Received {
        var bytes: [UInt8] = []
    }
}
