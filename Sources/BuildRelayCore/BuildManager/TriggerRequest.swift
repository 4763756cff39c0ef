/// What ``BuildManager/trigger(_:)`` is asked to start.
public struct TriggerRequest: Sendable, Hashable {
    /// The idempotency key of the build: a manager that can look builds up by it finds the one an earlier attempt
    /// started instead of starting another.
    public var requestID: RequestID
    public var queue: String
    /// 1–1000 changes, in order.
    public var changes: [BuildChange]
    public var metadata: BuildMetadata
    /// An earlier attempt may have started the build (a retry after an ambiguous failure, a takeover of a trigger
    /// in flight), so a manager that can look it up must. `false` only when the worker recorded that this is the
    /// request's first attempt (for managers declaring ``BuildManagerCapabilities/looksUpEarlierTriggers``): the
    /// look-up, a vendor request, is then skipped.
    public var mayHaveStarted: Bool

    public init(requestID: RequestID, queue: String, changes: [BuildChange], metadata: BuildMetadata = [:], mayHaveStarted: Bool = true) {
        self.requestID = requestID
        self.queue = queue
        self.changes = changes
        self.metadata = metadata
        self.mayHaveStarted = mayHaveStarted
    }

    public init(_ command: TriggerCommand, mayHaveStarted: Bool) {
        self.init(requestID: command.requestID, queue: command.queue, changes: command.changes, metadata: command.metadata, mayHaveStarted: mayHaveStarted)
    }
}
