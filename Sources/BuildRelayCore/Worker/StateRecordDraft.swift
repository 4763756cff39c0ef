/// A build's state record as the engine's lock left it: encoded afterwards, outside the lock, where the JSON work
/// does not hold up the consume loop, the provider tasks and the delivery reports.
struct StateRecordDraft: Sendable {
    var partition: Int32
    /// The record; its `lastEvent` is `nil` while `event` is set.
    var record: BuildStateRecord
    /// The record's last event, when a transition made it and it was not encoded yet.
    var event: StatusEvent?

    /// The state-topic record, and the encoded `event` that its `lastEvent` now carries.
    func encode(with encoder: StatusEventEncoder) -> (StateLogRecord, event: EncodedEvent?) {
        var record = record
        var encoded: EncodedEvent?
        if let event {
            let bytes = encoder.encode(event)
            record.lastEvent = bytes
            encoded = EncodedEvent(sequence: event.sequence, bytes: bytes)
        }
        let stateRecord = StateLogRecord(partition: partition, key: Array(record.requestID.rawValue.utf8), value: BuildStateCodec.encode(record))
        return (stateRecord, encoded)
    }
}
