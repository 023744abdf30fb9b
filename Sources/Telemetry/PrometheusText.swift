/// Samples read back from Prometheus' text format: what a process's
/// statistics line is computed from at exit (the same instruments `/metrics`
/// serves), and what tests read from a scrape.
public struct PrometheusText: Sendable {
    public struct Sample: Sendable {
        public let name: String
        public let labels: [String: String]
        public let value: Double
    }

    public let samples: [Sample]

    public init(_ text: String) {
        samples = text.split(separator: "\n").compactMap(Self.sample)
    }

    /// `name{a="x",b="y"} 12.5` (comments and malformed lines are skipped).
    private static func sample(_ line: Substring) -> Sample? {
        guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            return nil
        }
        let series = line[..<space]
        guard let open = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
        var labels: [String: String] = [:]
        var rest = series[series.index(after: open)...].dropLast()  // the closing brace
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingPrefix(",")
            var cursor = rest.index(equals, offsetBy: 2)  // past `="`
            var text = ""
            while cursor < rest.endIndex, rest[cursor] != "\"" {
                if rest[cursor] == "\\" { cursor = rest.index(after: cursor) }
                if cursor < rest.endIndex { text.append(rest[cursor]) }
                cursor = rest.index(after: cursor)
            }
            labels[String(key)] = text
            rest = cursor < rest.endIndex ? rest[rest.index(after: cursor)...] : ""
        }
        return Sample(name: String(series[..<open]), labels: labels, value: value)
    }

    private func matching(_ name: String, _ labels: [String: String]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }
    }

    /// The sum over every series of `name` carrying `labels` (0 when none).
    public func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        matching(name, labels).reduce(0) { $0 + $1.value }
    }

    /// The label values `name`'s series carry for `label`.
    public func values(of label: String, in name: String) -> Set<String> {
        Set(matching(name, [:]).compactMap { $0.labels[label] })
    }

    /// A quantile of the histogram `name` over the series carrying `labels`
    /// (their buckets added), interpolated within its bucket as
    /// Prometheus' `histogram_quantile` does; nil when it has no
    /// observations.
    public func quantile(_ q: Double, of name: String, _ labels: [String: String] = [:]) -> Double? {
        var counts: [Double: Double] = [:]
        for sample in matching(name + "_bucket", labels) {
            guard let text = sample.labels["le"], let bound = text == "+Inf" ? Double.infinity : Double(text) else { continue }
            counts[bound, default: 0] += sample.value
        }
        let buckets = counts.sorted { $0.key < $1.key }
        guard let total = buckets.last?.value, total > 0 else { return nil }
        let rank = q * total
        var lower = 0.0
        var below = 0.0
        for (bound, cumulative) in buckets {
            if cumulative >= rank {
                // Past the last finite bound, the best estimate is that bound.
                guard bound.isFinite else { return lower }
                let inBucket = cumulative - below
                return inBucket == 0 ? bound : lower + (bound - lower) * (rank - below) / inBucket
            }
            (lower, below) = (bound, cumulative)
        }
        return lower
    }
}
