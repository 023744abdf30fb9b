/// Why a message can never be applied, however often it is retried: it goes
/// to its dead-letter queue at once with this as `x-error`.
public struct InvalidMessage: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field at fault, or nil when the body as a whole is wrong.
    public let field: String?
    public let problem: String

    public init(field: String?, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { field.map { "field '\($0)': \(problem)" } ?? problem }
}
