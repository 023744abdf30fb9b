extension TopologySpec {
    /// The work queues a message published to `exchange` with `routingKey`
    /// reaches, by the exchange's type (direct: equal keys; topic: `*` is one
    /// word, `#` zero or more; fanout: every binding).
    public func queues(receiving routingKey: String, from exchange: String) -> [String] {
        let type = exchanges.first { $0.name == exchange }?.type ?? "direct"
        return queues.filter { queue in
            queue.bindings.contains { binding in
                guard binding.exchange == exchange else { return false }
                switch type {
                case "fanout": return true
                case "topic": return Self.topic(binding.routingKey, matches: routingKey)
                default: return binding.routingKey == routingKey
                }
            }
        }.map(\.name)
    }

    static func topic(_ pattern: String, matches key: String) -> Bool {
        func match(_ p: ArraySlice<Substring>, _ k: ArraySlice<Substring>) -> Bool {
            guard let head = p.first else { return k.isEmpty }
            if head == "#" { return (k.startIndex...k.endIndex).contains { match(p.dropFirst(), k[$0...]) } }
            guard let word = k.first, head == "*" || head == word else { return false }
            return match(p.dropFirst(), k.dropFirst())
        }
        return match(
            pattern.split(separator: ".", omittingEmptySubsequences: false)[...],
            key.split(separator: ".", omittingEmptySubsequences: false)[...])
    }
}
