/// A request id the worker owns: its durable record, and what is happening to it right now.
///
/// A class, changed in place in its partition's table (a struct would be copied out and back on every change).
/// Only used under the engine's lock.
final class TrackedBuild {
    /// What the engine is waiting for. Commands for the request id that arrive meanwhile wait in ``waiting``,
    /// so one request id's commands are applied in order.
    enum Activity {
        /// Nothing; a status poll may be scheduled.
        case idle
        /// A trigger waiting for a free build slot (`worker.maxInFlightBuilds`).
        case held(TriggerCommand, offset: Int64)
        /// The trigger call is in flight, or waiting to be retried; `firstFailure` is on the engine's monotonic clock.
        case triggering(TriggerCommand, offset: Int64, attempt: Int, firstFailure: Duration?)
        /// A rejected command with this (otherwise unknown) request id is going to the dead-letter topic.
        case deadLettering(offset: Int64, reason: String, queue: String)
        /// ``record`` is being appended to the state topic; `then` follows its acknowledgement.
        case recording(completes: [Int64], then: AfterRecording)
        /// ``record``'s last event is being published.
        case publishing
        /// The cancel call is in flight, or waiting to be retried.
        case cancelling(attempt: Int, firstFailure: Duration?)
    }

    enum AfterRecording {
        case publish
        case cancel
        /// Make the request's first trigger call (its attempt is now recorded).
        case trigger(TriggerCommand, offset: Int64)
        case nothing
    }

    var record: BuildStateRecord
    /// The last event, made by a transition and not encoded yet: `record.lastEvent` is `nil` until the state record
    /// carrying it is durable, and every state record written meanwhile encodes this event.
    var unencodedEvent: StatusEvent?
    var activity: Activity = .idle
    /// Triggers and cancels that arrived while the build was busy, with their offsets, oldest first.
    var waiting: [(command: BuildCommand, offset: Int64)] = []
    /// Counts against `worker.maxInFlightBuilds`.
    var holdsSlot = false
    /// The provider must (still) be asked to cancel, once the current activity ends.
    var cancelPending = false
    var pollScheduled = false
    /// Counts the polls scheduled: a poll timer of an older generation was replaced, and is ignored.
    var pollGeneration = 0
    /// A refresh came while the build was busy or between polls: its next poll is made at once.
    var refreshWanted = false
    /// The status a refresh that came during a status call said the build has: if that call reports it, the
    /// refresh is served; otherwise (the call started before the change) the build is polled again at once.
    var refreshObserved: BuildStatus?
    /// The scheduled poll serves a refresh: it is made at once, on its own, never gathered into a batch.
    var pollIsRefresh = false
    var pollInFlight = false
    var statusFailures = 0
    /// When the first of ``statusFailures`` happened, on the engine's monotonic clock.
    var firstStatusFailure: Duration?

    init(record: BuildStateRecord) {
        self.record = record
    }

    /// For a settled build whose last event is out: only its id, status and settlement time still matter (a
    /// repeated trigger or a cancel is then a no-op, and a restore reads the state topic), so the event's bytes and
    /// the metadata go. A worker remembers request ids for `worker.requestRetention`; this keeps each one small.
    func dropSettledPayload() {
        record.lastEvent = nil
        unencodedEvent = nil
        record.metadata = [:]
    }

    /// The metadata key of the cancel's `reason` in the build's events (the `cancelled` one above all).
    static let cancelReasonKey = "cancelReason"

    /// Records an accepted cancel, and its reason in the metadata the build's next events carry.
    func noteCancel(_ cancel: CancelCommand) {
        record.cancelRequested = true
        if let reason = cancel.reason { record.metadata[Self.cancelReasonKey] = reason }
    }

    /// The trigger's metadata, keeping the reason of a cancel that came first.
    func adoptTriggerMetadata(_ metadata: BuildMetadata) {
        let reason = record.metadata[Self.cancelReasonKey]
        record.metadata = metadata
        if let reason { record.metadata[Self.cancelReasonKey] = reason }
    }

    var isIdle: Bool {
        if case .idle = activity { return true }
        return false
    }

    /// A trigger attempt was recorded but never answered (the partition changed hands meanwhile): the build waits,
    /// idle, for its trigger command to arrive again.
    var isAttemptInterrupted: Bool {
        isIdle && record.triggerAttempted && record.buildID == nil && !record.isSettled && record.sequence == 0
    }

    var isHeld: Bool {
        if case .held = activity { return true }
        return false
    }
}
