import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One blocking scrape of a `/metrics` URL, for the benchmark and the
/// tests (plain threads, not the server's event loops).
public enum MetricsScrape {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    public static func fetch(_ url: URL, timeout: TimeInterval = 5) throws -> PrometheusText {
        let answer = Answer()
        URLSession.shared.dataTask(with: URLRequest(url: url, timeoutInterval: timeout)) { data, response, error in
            answer.finish(data, (response as? HTTPURLResponse)?.statusCode, error)
        }.resume()
        let (data, status, error) = answer.wait()
        guard error == nil, status == 200, let data else {
            throw Failed(description: "scrape of \(url) failed: \(error.map { "\($0)" } ?? "HTTP \(status ?? 0)")")
        }
        return PrometheusText(String(decoding: data, as: UTF8.self))
    }
}

private final class Answer: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: (Data?, Int?, (any Error)?) = (nil, nil, nil)

    func finish(_ data: Data?, _ status: Int?, _ error: (any Error)?) {
        result = (data, status, error)
        done.signal()
    }

    func wait() -> (Data?, Int?, (any Error)?) {
        done.wait()
        return result
    }
}
