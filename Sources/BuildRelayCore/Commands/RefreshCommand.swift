/// Look at a build now instead of at its next poll (contract v2). The webhook receiver produces these; anyone may.
/// A refresh never changes a build by itself: only what the provider then answers does.
public struct RefreshCommand: Sendable, Hashable {
    public var requestID: RequestID
    /// Hints from the sender (a webhook), all optional: the build's queue and provider id as the sender knows them,
    /// and the status it saw, mapped to BuildRelay's. The owner skips the status call when `observedStatus` is the
    /// status it already has.
    public var queue: String?
    public var buildID: BuildID?
    public var observedStatus: BuildStatus?

    public init(requestID: RequestID, queue: String? = nil, buildID: BuildID? = nil, observedStatus: BuildStatus? = nil) {
        self.requestID = requestID
        self.queue = queue
        self.buildID = buildID
        self.observedStatus = observedStatus
    }
}
