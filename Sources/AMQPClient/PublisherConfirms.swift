/// Book-keeping for publisher confirms on one channel: which publishes the
/// broker has not yet confirmed, and which it refused or returned. Pure
/// state, no I/O, so many publishes can be in flight at once.
struct PublisherConfirms {
    /// The broker numbers publishes on a confirm channel from 1.
    private(set) var nextSequence: UInt64 = 1
    /// Unconfirmed sequence numbers, ascending.
    private(set) var outstanding: [UInt64] = []
    private(set) var refused: [UInt64] = []
    private(set) var returnedMessageIds: [String] = []

    mutating func published() -> UInt64 {
        defer { nextSequence += 1 }
        outstanding.append(nextSequence)
        return nextSequence
    }

    mutating func acknowledge(upTo tag: UInt64, multiple: Bool) {
        _ = settle(upTo: tag, multiple: multiple)
    }

    mutating func refuse(upTo tag: UInt64, multiple: Bool) {
        refused += settle(upTo: tag, multiple: multiple)
    }

    /// A mandatory publish nobody could route: the broker returns it and
    /// then still acks it, so it is remembered here by message id.
    mutating func returned(messageId: String) {
        returnedMessageIds.append(messageId)
    }

    /// The channel was closed and reopened: nothing outstanding will ever be
    /// confirmed, and the broker numbers from 1 again.
    mutating func restart() {
        refused += outstanding
        outstanding = []
        nextSequence = 1
    }

    /// Every publish up to this sequence number is settled (confirmed,
    /// refused or returned).
    var settledThrough: UInt64 { (outstanding.first ?? nextSequence) - 1 }

    mutating func takeFailures() -> (refused: [UInt64], returned: [String]) {
        defer {
            refused = []
            returnedMessageIds = []
        }
        return (refused, returnedMessageIds)
    }

    private mutating func settle(upTo tag: UInt64, multiple: Bool) -> [UInt64] {
        if multiple {
            let end = outstanding.firstIndex { $0 > tag } ?? outstanding.endIndex
            defer { outstanding.removeFirst(end) }
            return Array(outstanding[..<end])
        }
        guard let index = binarySearch(tag) else { return [] }
        outstanding.remove(at: index)
        return [tag]
    }

    private func binarySearch(_ tag: UInt64) -> Int? {
        var low = 0
        var high = outstanding.count
        while low < high {
            let mid = (low + high) / 2
            if outstanding[mid] < tag { low = mid + 1 } else { high = mid }
        }
        return low < outstanding.count && outstanding[low] == tag ? low : nil
    }
}
