import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One blocking HTTP exchange, for tests of the API and the metrics endpoints.
public struct HTTPCall: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: Data

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }

    public static func send(
        _ url: URL, method: String = "GET", headers: [String: String] = [:], body: Data? = nil,
        timeout: TimeInterval = 30
    ) throws -> HTTPCall {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.value = (data, response as? HTTPURLResponse, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, response, error) = box.value
        if let error { throw error }
        guard let response else { throw URLError(.badServerResponse) }
        let headers = Dictionary(response.allHeaderFields.map { ("\($0.key)".lowercased(), "\($0.value)") }) { a, _ in a }
        return HTTPCall(status: response.statusCode, headers: headers, body: data ?? Data())
    }
}

private final class Box: @unchecked Sendable {
    var value: (Data?, HTTPURLResponse?, (any Error)?) = (nil, nil, nil)
}
