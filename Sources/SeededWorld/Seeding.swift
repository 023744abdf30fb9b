import Domain

/// The seeded world's names (`u0001` owns `w0001`); each kind of thing is
/// seeded through its worker's own code (`WalletSeeding`, `ProjectSeeding`,
/// `DebtSeeding`).
public enum Seeding {
    public struct Result: Sendable {
        public let created: Int
        public let existing: Int
    }

    /// `0001` for 1 of up to 9,999; wider when there are more.
    public static func number(_ index: Int, of count: Int) -> String {
        let width = max(4, String(count).count)
        return String(repeating: "0", count: max(0, width - String(index).count)) + String(index)
    }

    public static func wallet(_ index: Int, of count: Int) -> String { "w" + number(index, of: count) }
    public static func user(_ index: Int, of count: Int) -> String { "u" + number(index, of: count) }
}
