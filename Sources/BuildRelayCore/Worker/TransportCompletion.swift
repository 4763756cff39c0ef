/// The broker's answer for a record the engine sent: collected as the transport reports them and applied to the
/// engine's state a round at a time (``WorkerTransport/afterEachCompletionRound(_:)``). `error` is `nil` once the
/// record is durable.
enum TransportCompletion: Sendable {
    /// `event` is the last event the record carried, when it was encoded with the record (``StateRecordDraft``).
    case stateAppended(BuildReference, event: EncodedEvent?, error: (any Error)?)
    case tombstoneAppended(BuildReference, error: (any Error)?)
    case statusPublished(BuildReference, error: (any Error)?)
    /// `partition` and `offset` are the forwarded record's own.
    case commandForwarded(partition: Int32, epoch: Int, offset: Int64, error: (any Error)?)
    case deadLettered(partition: Int32, epoch: Int, requestID: RequestID?, offset: Int64, error: (any Error)?)
}
