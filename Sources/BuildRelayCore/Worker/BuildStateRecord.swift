/// What the worker records in the state topic about one request id: enough for any worker to resume tracking the
/// build after a takeover and to republish its last event byte for byte.
public struct BuildStateRecord: Sendable, Hashable {
    public var requestID: RequestID
    /// Empty for a cancel that arrived before its trigger.
    public var queue: String
    /// `nil` when no build was started.
    public var buildID: BuildID?
    /// The status of the last event, ``BuildStatus/unknown`` before the first.
    public var status: BuildStatus
    /// The sequence of the last event, 0 before the first.
    public var sequence: Int
    /// A cancel command for this request id was accepted.
    public var cancelRequested: Bool
    /// A trigger call was made (or is being made) for this request: a later one looks the build up before starting
    /// another (``TriggerRequest/mayHaveStarted``). Written before a first attempt only for managers declaring
    /// ``BuildManagerCapabilities/looksUpEarlierTriggers``.
    public var triggerAttempted: Bool
    /// The trigger's ``TriggerCommand/contentDigest``: a later trigger with another one is reported as conflicting.
    /// `nil` before the trigger, and in records written before this member existed.
    public var triggerDigest: String?
    /// The trigger's metadata, merged into every event.
    public var metadata: BuildMetadata
    /// The build's trace context, carried on every event.
    public var traceparent: String
    /// When the build was triggered (ms since the Unix epoch), for `worker.maxBuildDuration`.
    public var triggeredAt: Int64?
    /// When the request became terminal, or was cancelled before any trigger (ms since the Unix epoch); the
    /// request id is forgotten `worker.requestRetention` later.
    public var settledAt: Int64?
    /// When the build entered ``status`` (ms since the Unix epoch): the time of the last event. `nil` before the
    /// first event, and in records written before this member existed (``recordedAt`` is then the best guess).
    public var statusSince: Int64?
    /// When this record was written (ms since the Unix epoch).
    public var recordedAt: Int64
    /// The exact bytes of the last event, republished as they are after a takeover.
    public var lastEvent: [UInt8]?

    public init(
        requestID: RequestID, queue: String, buildID: BuildID? = nil, status: BuildStatus = .unknown, sequence: Int = 0,
        cancelRequested: Bool = false, triggerAttempted: Bool = false, triggerDigest: String? = nil, metadata: BuildMetadata = [:], traceparent: String, triggeredAt: Int64? = nil,
        settledAt: Int64? = nil, statusSince: Int64? = nil, recordedAt: Int64, lastEvent: [UInt8]? = nil
    ) {
        self.requestID = requestID
        self.queue = queue
        self.buildID = buildID
        self.status = status
        self.sequence = sequence
        self.cancelRequested = cancelRequested
        self.triggerAttempted = triggerAttempted
        self.triggerDigest = triggerDigest
        self.metadata = metadata
        self.traceparent = traceparent
        self.triggeredAt = triggeredAt
        self.settledAt = settledAt
        self.statusSince = statusSince
        self.recordedAt = recordedAt
        self.lastEvent = lastEvent
    }

    /// Nothing will happen to this request id any more: a terminal build, or a cancel that came before its trigger.
    public var isSettled: Bool { settledAt != nil }
}
