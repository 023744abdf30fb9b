/// Events confirmed around a broker fault are published a second time once
/// the broker has been quiet for a while. RabbitMQ 3.10's quorum queues can
/// confirm a publish that one of them never keeps while their leaders move
/// (seen in the partition test: a bundle in events.tax, missing from
/// events.audit and events.notifications); the broker's confirm alone is
/// then not proof. Consumers deduplicate by event id, so the second publish is
/// harmless. Pure: the lane says when it saw a fault and what was confirmed.
struct BrokerFaultWindow {
    /// How long the broker must stay quiet before the held events go again.
    let quiet: Duration
    private(set) var openUntil: ContinuousClock.Instant?
    /// Message ids of outbox rows confirmed while the window was open: kept
    /// in the outbox until they are published again.
    private(set) var held: [String] = []

    init(quiet: Duration) {
        self.quiet = quiet
    }

    /// A refused publish, or a session lost to a broker error.
    mutating func fault(at now: ContinuousClock.Instant) {
        openUntil = now + quiet
    }

    func isOpen(at now: ContinuousClock.Instant) -> Bool {
        openUntil.map { now < $0 } ?? false
    }

    /// Of the entries just confirmed, those whose rows may be deleted now;
    /// while the window is open none, and their ids are held.
    mutating func release<Entry>(_ confirmed: [Entry], id: (Entry) -> String, at now: ContinuousClock.Instant) -> [Entry] {
        guard isOpen(at: now) else { return confirmed }
        held += confirmed.map(id)
        return []
    }

    /// Once the window has closed: the held ids, handed over once, to be
    /// published again.
    mutating func takeHeld(at now: ContinuousClock.Instant) -> [String] {
        guard !isOpen(at: now), !held.isEmpty else { return [] }
        defer { held = [] }
        return held
    }
}
