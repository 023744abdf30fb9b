extension String {
    /// Right-aligned in a column of `width` characters, for the CLI's tables.
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
