/// Dead letters of one queue that failed alike: one error class and one
/// error fingerprint, with how many, since when, and the money they hold.
public struct DeadLetterGroup: Sendable {
    public let queue: String
    public let errorClass: String
    public let fingerprint: String
    /// The newest letter's error, as an example of the group's.
    public let error: String
    public let types: [String]
    public let count: Int
    public let firstSeen: String?
    public let lastSeen: String?
    public let oldestAgeSeconds: Int
    /// Minor units by currency.
    public let money: [String: Int64]

    /// Groups, largest first.
    public static func group(_ letters: [DeadLetter], queue: String) -> [DeadLetterGroup] {
        Dictionary(grouping: letters) { "\($0.errorClass)\n\($0.fingerprint)" }.values.map { members in
            let newest = members.max { $0.ageSeconds > $1.ageSeconds }!
            var money: [String: Int64] = [:]
            // An invalid letter may hold any number: only positive amounts
            // count, and a sum past Int64 stays at its maximum.
            for letter in members {
                guard let held = letter.money, held.minorUnits > 0 else { continue }
                let (sum, overflow) = money[held.currency, default: 0].addingReportingOverflow(held.minorUnits)
                money[held.currency] = overflow ? .max : sum
            }
            let seen = members.compactMap { $0.firstFailedAt ?? $0.lastFailedAt }.sorted()
            return DeadLetterGroup(
                queue: queue, errorClass: newest.errorClass, fingerprint: newest.fingerprint, error: newest.error,
                types: Set(members.map(\.type)).sorted(), count: members.count, firstSeen: seen.first,
                lastSeen: members.compactMap(\.lastFailedAt).max(),
                oldestAgeSeconds: members.map(\.ageSeconds).max() ?? 0, money: money)
        }.sorted { ($0.count, $0.fingerprint) > ($1.count, $1.fingerprint) }
    }
}
