/// Start a build of an ordered list of changes on a queue.
public struct TriggerCommand: Sendable, Hashable {
    public var requestID: RequestID
    /// A queue name from the configuration; it selects the provider and its job.
    public var queue: String
    /// 1–1000 changes; order matters.
    public var changes: [BuildChange]
    /// Passed to the provider and echoed in events; at most 64 entries.
    public var metadata: BuildMetadata

    public init(requestID: RequestID, queue: String, changes: [BuildChange], metadata: BuildMetadata = [:]) {
        self.requestID = requestID
        self.queue = queue
        self.changes = changes
        self.metadata = metadata
    }
}
