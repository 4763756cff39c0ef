/// A call on a ``BuildManager``, run by one of the engine's provider tasks.
struct ProviderCall: Sendable {
    enum Operation: Sendable {
        case trigger(TriggerRequest)
        case status(BuildID)
        /// One status read for several builds of the queue (``BuildManagerCapabilities/batchStatus``).
        case statuses([BatchedPoll])
        case cancel(BuildID)
        /// A cancel for a build already reported `failed` (given up on): its outcome is not applied.
        case abandon(BuildID)

        /// The build the call is about; `nil` for a trigger.
        var buildID: BuildID? {
            switch self {
            case .trigger: nil
            case .status(let build), .cancel(let build), .abandon(let build): build
            case .statuses: nil
            }
        }

        /// A status read.
        var isPoll: Bool {
            switch self {
            case .status, .statuses: true
            case .trigger, .cancel, .abandon: false
            }
        }

        /// `trigger`, `status` or `cancel`, for logs and metrics.
        var name: String {
            switch self {
            case .trigger: "trigger"
            case .status, .statuses: "status"
            case .cancel, .abandon: "cancel"
            }
        }
    }

    var build: BuildReference
    var queue: BuildQueue
    var operation: Operation
    /// The build's trace context, continued into the call.
    var traceparent: String
    /// For a scheduled status poll, when it was due: how late the call starts is the poll lag.
    var due: ContinuousClock.Instant? = nil
}
