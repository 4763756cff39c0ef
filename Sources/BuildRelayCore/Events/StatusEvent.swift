/// One status transition of a build: the `data` of a `build.status` CloudEvent plus its envelope fields.
public struct StatusEvent: Sendable, Hashable {
    public var requestID: RequestID
    public var queue: String
    /// `nil` when no build was started (cancelled before its trigger, unknown queue, bad command).
    public var buildID: BuildID?
    public var status: BuildStatus
    /// ``BuildStatus/unknown`` on a build's first event.
    public var previousStatus: BuildStatus
    /// 1 for a request's first event, then +1 per transition, without gaps.
    public var sequence: Int
    /// The command's metadata merged with the provider's (provider keys win).
    public var metadata: BuildMetadata
    /// Set only on `failed`.
    public var error: BuildError?
    /// When the transition was observed, in milliseconds since the Unix epoch (UTC).
    public var timeMilliseconds: Int64
    /// W3C trace context of the build (`00-<trace id>-<span id>-<flags>`).
    public var traceparent: String

    public init(
        requestID: RequestID, queue: String, buildID: BuildID?, status: BuildStatus, previousStatus: BuildStatus,
        sequence: Int, metadata: BuildMetadata, error: BuildError?, timeMilliseconds: Int64, traceparent: String
    ) {
        self.requestID = requestID
        self.queue = queue
        self.buildID = buildID
        self.status = status
        self.previousStatus = previousStatus
        self.sequence = sequence
        self.metadata = metadata
        self.error = error
        self.timeMilliseconds = timeMilliseconds
        self.traceparent = traceparent
    }

    /// The CloudEvents `id`: `requestId:sequence`, unique per transition.
    public var id: String { "\(requestID.rawValue):\(sequence)" }
}
