/// A command that could not be processed, for the dead-letter topic: the original record and why.
public struct DeadLetterRecord: Sendable {
    public var source: CommandRecord
    /// The `buildrelay-error` header.
    public var reason: String

    public init(source: CommandRecord, reason: String) {
        self.source = source
        self.reason = reason
    }
}
