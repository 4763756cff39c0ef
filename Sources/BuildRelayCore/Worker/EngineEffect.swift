/// Something the engine's state machine decided, carried out after its lock is released, in order.
///
/// The cases that carry records are `indirect`: an effect is copied several times on its way (emitted, taken from
/// the state, matched, carried out), and a boxed payload copies as one reference where a state record's dozen
/// fields each cost a retain (about a tenth of the worker's CPU in the drain benchmark before).
enum EngineEffect: Sendable {
    indirect case call(ProviderCall)
    indirect case appendState(StateRecordDraft, build: BuildReference)
    /// Forgets a request id: its state record's tombstone.
    case appendTombstone(BuildReference)
    /// `transition` is the event's status for a new transition, `nil` when a restore publishes a recorded event again.
    indirect case publishStatus(StatusRecord, build: BuildReference, transition: BuildStatus?)
    indirect case publishDeadLetter(DeadLetterRecord, epoch: Int, requestID: RequestID?)
    /// Copies a command to its home `partition`, for the partition assignment `epoch` of the record's own.
    indirect case forwardCommand(CommandRecord, to: Int32, epoch: Int)
    case commandsProcessed(partition: Int32, nextOffset: Int64)
    case schedule(WorkerTimer, after: Duration)
    /// What a refresh command led to, for the metrics.
    case refreshed(RefreshOutcome)
    case pause([Int32])
    case resume([Int32])
    /// A fact for the log.
    case note(EngineNote)

    /// The work this effect starts that a revoke of its partition waits for, and the assignment it belongs to.
    var inFlightWork: (partition: Int32, epoch: Int, work: InFlightWork)? {
        switch self {
        case .call(let call):
            switch call.operation {
            case .trigger, .cancel: (call.build.partition, call.build.epoch, .providerCall(call.build.requestID))
            case .status, .statuses, .abandon: nil
            }
        case .appendState(_, let build): (build.partition, build.epoch, .stateRecord(build.requestID))
        case .appendTombstone(let build): (build.partition, build.epoch, .tombstone(build.requestID))
        case .publishStatus(_, let build, _): (build.partition, build.epoch, .statusEvent(build.requestID))
        case .publishDeadLetter(let record, let epoch, _): (record.source.partition, epoch, .deadLetter(offset: record.source.offset))
        case .forwardCommand(let record, _, let epoch): (record.partition, epoch, .forward(offset: record.offset))
        case .commandsProcessed, .schedule, .refreshed, .pause, .resume, .note: nil
        }
    }
}
