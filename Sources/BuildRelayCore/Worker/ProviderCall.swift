/// A call on a ``BuildManager``, run by one of the engine's provider tasks.
struct ProviderCall: Sendable {
    enum Operation: Sendable {
        case trigger(TriggerRequest)
        case status(BuildID)
        case cancel(BuildID)
        /// A cancel for a build already reported `failed` (given up on): its outcome is not applied.
        case abandon(BuildID)

        /// The build the call is about; `nil` for a trigger.
        var buildID: BuildID? {
            switch self {
            case .trigger: nil
            case .status(let build), .cancel(let build), .abandon(let build): build
            }
        }

        /// A status read.
        var isPoll: Bool {
            if case .status = self { return true }
            return false
        }

        /// `trigger`, `status` or `cancel`, for logs and metrics.
        var name: String {
            switch self {
            case .trigger: "trigger"
            case .status: "status"
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
