/// Something worth a log line (and maybe a metric) that the state machine decided: ``WorkerEngine`` writes it.
enum EngineNote: Sendable {
    /// A trigger started a build (or found the one an earlier attempt started).
    case triggered(RequestID, queue: String, buildID: BuildID)
    /// A cancel was accepted for a build not finished yet.
    case cancelAccepted(RequestID, queue: String, buildID: BuildID?, reason: String?)
    /// A trigger for a request id the worker knows came with other content than the first: it is ignored.
    case conflictingTrigger(RequestID, queue: String, knownQueue: String)
}
