/// Where one request stands, for operators: what `GET /builds`, `buildrelay status` and `buildrelay builds` show.
/// Read from a build's state record (and its last event), so a worker's live view and the state topic agree.
public struct BuildSummary: Sendable, Hashable {
    public var requestID: RequestID
    /// Empty for a cancel that arrived before its trigger.
    public var queue: String
    public var buildID: BuildID?
    /// ``BuildStatus/unknown`` before the first event.
    public var status: BuildStatus
    /// The sequence of the last event, 0 before the first.
    public var sequence: Int
    /// The request's home partition (of the commands and state topics), whose owner follows the build.
    public var partition: Int32
    public var cancelRequested: Bool
    /// The last event's metadata: the trigger's, merged with what the provider reported (such as `url`).
    public var metadata: BuildMetadata
    /// The last event's error, on `failed`.
    public var error: BuildError?
    /// When the build entered ``status`` (ms since the Unix epoch).
    public var statusSince: Int64
    /// When the state record was last written (ms since the Unix epoch).
    public var updatedAt: Int64
    public var triggeredAt: Int64?
    public var settledAt: Int64?

    public init(
        requestID: RequestID, queue: String, buildID: BuildID?, status: BuildStatus, sequence: Int, partition: Int32,
        cancelRequested: Bool, metadata: BuildMetadata, error: BuildError?, statusSince: Int64, updatedAt: Int64,
        triggeredAt: Int64?, settledAt: Int64?
    ) {
        self.requestID = requestID
        self.queue = queue
        self.buildID = buildID
        self.status = status
        self.sequence = sequence
        self.partition = partition
        self.cancelRequested = cancelRequested
        self.metadata = metadata
        self.error = error
        self.statusSince = statusSince
        self.updatedAt = updatedAt
        self.triggeredAt = triggeredAt
        self.settledAt = settledAt
    }

    /// The summary of `record` in `partition`. `event` is the last event when the record does not carry it yet
    /// (a worker's in-memory build between its transition and the record's acknowledgement); otherwise the
    /// metadata and error come from the record's `lastEvent`, or the trigger's metadata without one.
    public init(record: BuildStateRecord, partition: Int32, event: StatusEvent? = nil) {
        var metadata = record.metadata
        var error: BuildError?
        if let event {
            metadata = event.metadata
            error = event.error
        } else if let bytes = record.lastEvent, let published = PublishedEventFields(bytes) {
            metadata = published.metadata
            error = published.error
        }
        self.init(
            requestID: record.requestID, queue: record.queue, buildID: record.buildID, status: record.status,
            sequence: record.sequence, partition: partition, cancelRequested: record.cancelRequested, metadata: metadata,
            error: error, statusSince: record.statusSince ?? record.recordedAt, updatedAt: record.recordedAt,
            triggeredAt: record.triggeredAt, settledAt: record.settledAt)
    }

    /// Nothing will happen to this request any more.
    public var isSettled: Bool { settledAt != nil || status.isTerminal }
}

extension BuildSummary {
    /// The summaries the state topic's `records` leave, one per request id: each id's last record, unless it is a
    /// tombstone (the id was forgotten). Records that cannot be decoded are skipped.
    public static func latest(of records: [StateLogRecord]) -> [BuildSummary] {
        var latest: [[UInt8]: StateLogRecord] = [:]
        for record in records { latest[record.key] = record }
        return latest.values.compactMap { record in
            guard let value = record.value, let decoded = try? BuildStateCodec.decode(value) else { return nil }
            return BuildSummary(record: decoded, partition: record.partition)
        }
    }
}
