/// A run of the workbench that could not go on, said in words: the
/// benchmark prints it, a test fails with it.
public struct WorkbenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
