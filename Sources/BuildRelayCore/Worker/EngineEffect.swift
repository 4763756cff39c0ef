/// Something the engine's state machine decided, carried out after its lock is released, in order.
enum EngineEffect: Sendable {
    case call(ProviderCall)
    /// A cancel whose outcome does not matter (the build was already reported `failed`).
    case cancelQuietly(BuildID, BuildQueue)
    case appendState(StateRecordDraft, build: BuildReference)
    /// Forgets a request id, for the partition assignment `epoch`.
    case appendTombstone(StateLogRecord, epoch: Int)
    /// `transition` is the event's status for a new transition, `nil` when a restore publishes a recorded event again.
    case publishStatus(StatusRecord, build: BuildReference, transition: BuildStatus?)
    case publishDeadLetter(DeadLetterRecord, epoch: Int, requestID: RequestID?)
    /// Copies a command to its home `partition`, for the partition assignment `epoch` of the record's own.
    case forwardCommand(CommandRecord, to: Int32, epoch: Int)
    case commandsProcessed(partition: Int32, nextOffset: Int64)
    case schedule(WorkerTimer, after: Duration)
    case pause([Int32])
    case resume([Int32])
}
