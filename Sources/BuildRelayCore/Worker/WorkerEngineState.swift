/// The worker's decisions, as a state machine: every method runs under the engine's lock, changes the tables and
/// appends the effects (calls, records, timers) that the engine carries out after releasing it.
///
/// Invariants:
/// - A build has at most one activity; commands for its request id that arrive meanwhile wait, in order.
/// - An event is published only after the state record carrying its bytes was acknowledged, and a build's next
///   record is appended only after that event was acknowledged: a crash repeats at most the last event.
/// - A command's offset is reported processed only once what it caused is durable (see ``PendingOffsets``).
struct WorkerEngineState {
    let settings: WorkerSettings
    let queues: [String: BuildQueue]
    var partitions: [Int32: PartitionTable] = [:]
    /// Triggers waiting for a build slot, oldest first; entries whose build is no longer held are skipped.
    var held: [BuildReference] = []
    var heldHead = 0
    var heldCount = 0
    var buildsInFlight = 0
    var paused = false
    /// More than half of `worker.maxHeldTriggers` triggers wait: the consumer should read no further for now.
    var isBackedUp: Bool { heldCount > settings.maxHeldTriggers / 2 }
    var nextEpoch = 1
    /// Set when a record could not be stored: the engine stops.
    var fatalError: (any Error)?

    init(settings: WorkerSettings, queues: [String: BuildQueue]) {
        self.settings = settings
        self.queues = queues
    }

    typealias Effects = [EngineEffect]

    // MARK: Commands

    /// Returns `false` when the record's partition is not owned (or is being revoked): it is ignored. A record with a
    /// `home` partition (a correctly keyed command off its home) is forwarded there; its offset counts as processed
    /// once the copy is acknowledged.
    @discardableResult
    mutating func accept(
        _ record: CommandRecord, decoded: Result<BuildCommand, CommandRejection>, home: Int32?, now: Int64, effects: inout Effects
    ) -> Bool {
        guard let table = partitions[record.partition], !table.revoking else { return false }
        table.offsets.consumed(record.offset)
        if let home {
            table.busy += 1
            effects.append(.forwardCommand(record, to: home, epoch: table.epoch))
            return true
        }
        switch decoded {
        case .failure(let rejection):
            var requestID: RequestID?
            if let id = rejection.requestID, table.builds[id] == nil {
                // Remember the id at once, so its later commands wait for the `failed` event.
                let build = TrackedBuild(record: BuildStateRecord(
                    requestID: id, queue: "", traceparent: record.traceparent ?? TraceParent.random(), recordedAt: now))
                build.activity = .deadLettering(offset: record.offset, reason: rejection.reason, queue: "")
                table.builds[id] = build
                requestID = id
            }
            table.busy += 1
            effects.append(.publishDeadLetter(DeadLetterRecord(source: record, reason: rejection.reason), epoch: table.epoch, requestID: requestID))
        case .success(let command):
            let id = command.requestID
            if let build = table.builds[id] {
                if build.isIdle || build.isHeld {
                    // A held trigger takes a cancel at once, and ignores a repeated trigger.
                    process(command, offset: record.offset, build: build, table: table, now: now, effects: &effects)
                } else {
                    switch command {
                    case .trigger(let trigger): build.waiting.append(.trigger(trigger, offset: record.offset))
                    case .cancel: build.waiting.append(.cancel(offset: record.offset))
                    }
                }
            } else {
                let traceparent = record.traceparent ?? TraceParent.random()
                let build = TrackedBuild(record: BuildStateRecord(requestID: id, queue: "", traceparent: traceparent, recordedAt: now))
                process(command, offset: record.offset, build: build, table: table, now: now, effects: &effects, isNew: true)
                table.builds[id] = build
            }
        }
        return true
    }

    /// Applies a command to a build that is idle (or held, for a cancel or a repeated trigger).
    private mutating func process(
        _ command: BuildCommand, offset: Int64, build: TrackedBuild, table: PartitionTable, now: Int64,
        effects: inout Effects, isNew: Bool = false
    ) {
        switch command {
        case .trigger(let trigger):
            if !isNew {
                if build.record.sequence == 0, build.record.cancelRequested, !build.isHeld {
                    // Cancelled before its trigger: start nothing, report `cancelled`.
                    build.record.queue = trigger.queue
                    build.record.metadata = trigger.metadata
                    transition(build, to: .cancelled, providerMetadata: [:], error: nil, completes: [offset], table: table, now: now, effects: &effects)
                } else {
                    markProcessed(offset, table: table, effects: &effects)
                }
                return
            }
            build.record.queue = trigger.queue
            build.record.metadata = trigger.metadata
            guard queues[trigger.queue] != nil else {
                let error = BuildError(code: .unknownQueue, kind: .user, isRetryable: false, message: "queue \"\(trigger.queue)\" is not configured")
                transition(build, to: .failed, providerMetadata: [:], error: error, completes: [offset], table: table, now: now, effects: &effects)
                return
            }
            if buildsInFlight >= settings.maxInFlightBuilds {
                build.activity = .held(trigger, offset: offset)
                held.append(BuildReference(partition: table.partition, epoch: table.epoch, requestID: trigger.requestID))
                heldCount += 1
                updatePause(effects: &effects)
            } else {
                startTrigger(trigger, offset: offset, build: build, table: table, effects: &effects)
            }
        case .cancel:
            if case .held(let trigger, let triggerOffset) = build.activity {
                // Never started: report `cancelled` at once.
                heldCount -= 1
                updatePause(effects: &effects)
                build.record.cancelRequested = true
                build.record.queue = trigger.queue
                transition(build, to: .cancelled, providerMetadata: [:], error: nil, completes: [triggerOffset, offset], table: table, now: now, effects: &effects)
            } else if build.record.isSettled || build.record.cancelRequested {
                markProcessed(offset, table: table, effects: &effects)
            } else if isNew {
                // Cancel before trigger: remember it for `requestRetention`.
                build.record.cancelRequested = true
                build.record.settledAt = now
                build.record.recordedAt = now
                record(build, completes: [offset], then: .nothing, table: table, effects: &effects)
            } else {
                build.record.cancelRequested = true
                build.record.recordedAt = now
                record(build, completes: [offset], then: .cancel, table: table, effects: &effects)
            }
        }
    }

    private mutating func startTrigger(_ trigger: TriggerCommand, offset: Int64, build: TrackedBuild, table: PartitionTable, effects: inout Effects) {
        guard let queue = queues[trigger.queue] else { return }
        build.holdsSlot = true
        buildsInFlight += 1
        build.activity = .triggering(trigger, offset: offset, attempt: 1, firstFailure: nil)
        table.busy += 1
        effects.append(.call(ProviderCall(build: BuildReference(partition: table.partition, epoch: table.epoch, requestID: trigger.requestID), queue: queue, operation: .trigger(trigger), traceparent: build.record.traceparent)))
    }

    // MARK: Provider results

    /// Applies what a provider call returned (the engine hands over outcomes in batches, see `WorkerEngine.finish`).
    mutating func apply(_ outcome: ProviderCallOutcome, now: Int64, effects: inout Effects) {
        switch outcome {
        case .trigger(let build, let result): triggerCompleted(build, result: result, now: now, effects: &effects)
        case .status(let build, let result): statusCompleted(build, result: result, now: now, effects: &effects)
        case .cancel(let build, let result): cancelCompleted(build, result: result, now: now, effects: &effects)
        }
    }

    private mutating func triggerCompleted(_ reference: BuildReference, result: Result<(BuildID, BuildStatus), any Error>, now: Int64, effects: inout Effects) {
        guard let (table, build) = current(reference, finishingCall: true) else { return }
        guard case .triggering(let trigger, let offset, let attempt, let firstFailure) = build.activity else { return }
        switch result {
        case .success(let (buildID, status)):
            build.record.buildID = buildID
            build.record.triggeredAt = now
            let initial: BuildStatus = status == .unknown ? .accepted : status
            let (mapped, error) = outcome(of: initial, cancelRequested: false)
            transition(build, to: mapped, providerMetadata: [:], error: error, completes: [offset], table: table, now: now, effects: &effects)
        case .failure(let failure):
            let error = BuildErrorClassifier.classify(failure)
            if error.isRetryable, table.revoking {
                // The partition is going (found by the provider-faults chaos scenario: a rebalance during a
                // provider outage failed these builds). Its next owner consumes the trigger again, since this
                // offset was not stored, and retries it; nothing was recorded for it here.
                build.activity = .idle
                return
            }
            let started = firstFailure ?? .now
            if error.isRetryable, settings.retry.allowsRetry(afterAttempt: attempt, elapsed: .now - started) {
                build.activity = .triggering(trigger, offset: offset, attempt: attempt + 1, firstFailure: started)
                effects.append(.schedule(.retryTrigger(reference), after: settings.retry.backoff(afterAttempt: attempt)))
            } else {
                let final = error.isRetryable ? exhausted(error, attempts: attempt, operation: "trigger") : error
                transition(build, to: .failed, providerMetadata: [:], error: final, completes: [offset], table: table, now: now, effects: &effects)
            }
        }
    }

    private mutating func statusCompleted(_ reference: BuildReference, result: Result<(BuildStatus, BuildMetadata), any Error>, now: Int64, effects: inout Effects) {
        guard let (table, build) = current(reference, finishingCall: false) else { return }
        build.pollInFlight = false
        guard build.isIdle, !table.revoking, !build.record.status.isTerminal, let queue = queues[build.record.queue] else { return }
        switch result {
        case .success(let (status, metadata)):
            build.statusFailures = 0
            build.firstStatusFailure = nil
            let (mapped, error) = outcome(of: status, cancelRequested: build.record.cancelRequested)
            let isForward = mapped.isTerminal || (mapped == .running && build.record.status != .running)
            if mapped == .unknown || !isForward {
                schedulePoll(reference, build, after: queue.pollIntervals.interval(for: build.record.status), effects: &effects)
            } else {
                transition(build, to: mapped, providerMetadata: metadata, error: error, completes: [], table: table, now: now, effects: &effects)
            }
        case .failure(let failure):
            let error = BuildErrorClassifier.classify(failure)
            build.statusFailures += 1
            let started = build.firstStatusFailure ?? .now
            build.firstStatusFailure = started
            if error.isRetryable, settings.retry.allowsRetry(afterAttempt: build.statusFailures, elapsed: .now - started) {
                schedulePoll(reference, build, after: settings.retry.backoff(afterAttempt: build.statusFailures), effects: &effects)
            } else {
                let final = error.isRetryable ? exhausted(error, attempts: build.statusFailures, operation: "status") : error
                giveUp(build, error: final, table: table, now: now, effects: &effects)
            }
        }
    }

    private mutating func cancelCompleted(_ reference: BuildReference, result: Result<Void, any Error>, now: Int64, effects: inout Effects) {
        guard let (table, build) = current(reference, finishingCall: true) else { return }
        guard case .cancelling(let attempt, let firstFailure) = build.activity, let queue = queues[build.record.queue] else { return }
        switch result {
        case .success:
            build.cancelPending = false
            build.activity = .idle
            schedulePoll(reference, build, after: .zero, effects: &effects)
        case .failure(let failure):
            let error = BuildErrorClassifier.classify(failure)
            let started = firstFailure ?? .now
            if error.isRetryable, !table.revoking, settings.retry.allowsRetry(afterAttempt: attempt, elapsed: .now - started) {
                build.activity = .cancelling(attempt: attempt + 1, firstFailure: started)
                effects.append(.schedule(.retryCancel(reference), after: settings.retry.backoff(afterAttempt: attempt)))
                return
            }
            // The build goes on; its outcome will be reported as the provider tells it.
            build.cancelPending = false
            build.activity = .idle
            schedulePoll(reference, build, after: queue.pollIntervals.interval(for: build.record.status), effects: &effects)
        }
        continueWaiting(reference, build, table: table, now: now, effects: &effects)
    }

    // MARK: Records

    mutating func completed(_ completion: TransportCompletion, now: Int64, effects: inout Effects) {
        switch completion {
        case .stateAppended(let build, let event, let error):
            stateAppended(build, event: event, error: error, now: now, effects: &effects)
        case .tombstoneAppended(let partition, let epoch, let error):
            tombstoneAppended(partition: partition, epoch: epoch, error: error)
        case .statusPublished(let build, let error):
            statusPublished(build, error: error, now: now, effects: &effects)
        case .commandForwarded(let partition, let epoch, let offset, let error):
            commandForwarded(partition: partition, epoch: epoch, offset: offset, error: error, effects: &effects)
        case .deadLettered(let partition, let epoch, let requestID, let offset, let error):
            deadLettered(partition: partition, epoch: epoch, requestID: requestID, offset: offset, error: error, now: now, effects: &effects)
        }
    }

    private mutating func stateAppended(
        _ reference: BuildReference, event: EncodedEvent?, error: (any Error)?, now: Int64, effects: inout Effects
    ) {
        if let error { fatalError = fatalError ?? error }
        guard let (table, build) = current(reference, finishingCall: true) else { return }
        guard error == nil, case .recording(let completes, let then) = build.activity else { return }
        if let event, build.unencodedEvent?.sequence == event.sequence {
            build.record.lastEvent = event.bytes
            build.unencodedEvent = nil
        }
        for offset in completes { markProcessed(offset, table: table, effects: &effects) }
        switch then {
        case .publish:
            guard let event = build.record.lastEvent else { return }
            build.activity = .publishing
            table.busy += 1
            effects.append(.publishStatus(
                StatusRecord(key: Array(reference.requestID.rawValue.utf8), value: event, traceparent: build.record.traceparent),
                build: reference, transition: build.record.status))
        case .cancel:
            startCancel(reference, build, table: table, effects: &effects)
        case .nothing:
            build.activity = .idle
            if build.record.isSettled { scheduleForget(reference, build.record, now: now, effects: &effects) }
            continueWaiting(reference, build, table: table, now: now, effects: &effects)
        }
    }

    private mutating func tombstoneAppended(partition: Int32, epoch: Int, error: (any Error)?) {
        if let error { fatalError = fatalError ?? error }
        guard let table = partitions[partition], table.epoch == epoch else { return }
        table.busy -= 1
    }

    private mutating func statusPublished(_ reference: BuildReference, error: (any Error)?, now: Int64, effects: inout Effects) {
        if let error { fatalError = fatalError ?? error }
        guard let (table, build) = current(reference, finishingCall: true) else { return }
        guard error == nil, case .publishing = build.activity else { return }
        build.activity = .idle
        if build.record.isSettled {
            build.dropSettledPayload()
            scheduleForget(reference, build.record, now: now, effects: &effects)
        } else if queues[build.record.queue] == nil {
            abandonUnconfigured(build, table: table, now: now, effects: &effects)
            return
        } else if build.cancelPending, !table.revoking {
            startCancel(reference, build, table: table, effects: &effects)
            return
        } else if let queue = queues[build.record.queue] {
            schedulePoll(reference, build, after: queue.pollIntervals.interval(for: build.record.status), effects: &effects)
        }
        continueWaiting(reference, build, table: table, now: now, effects: &effects)
    }

    private mutating func commandForwarded(partition: Int32, epoch: Int, offset: Int64, error: (any Error)?, effects: inout Effects) {
        if let error { fatalError = fatalError ?? error }
        guard let table = partitions[partition], table.epoch == epoch else { return }
        table.busy -= 1
        if error == nil { markProcessed(offset, table: table, effects: &effects) }
    }

    private mutating func deadLettered(partition: Int32, epoch: Int, requestID: RequestID?, offset: Int64, error: (any Error)?, now: Int64, effects: inout Effects) {
        if let error { fatalError = fatalError ?? error }
        guard error == nil, let table = partitions[partition], table.epoch == epoch else { return }
        table.busy -= 1
        guard let requestID, let build = table.builds[requestID], case .deadLettering(_, let reason, let queue) = build.activity else {
            markProcessed(offset, table: table, effects: &effects)
            return
        }
        build.record.queue = queue
        let failure = BuildError(code: .invalidCommand, kind: .user, isRetryable: false, message: "invalid command: \(reason)")
        transition(build, to: .failed, providerMetadata: [:], error: failure, completes: [offset], table: table, now: now, effects: &effects)
    }

    // MARK: Timers

    /// `due` is when the timer was due (for the poll-lag metric); `now` is the wall clock, in ms since the Unix epoch.
    mutating func timerFired(_ timer: WorkerTimer, due: ContinuousClock.Instant, now: Int64, effects: inout Effects) {
        switch timer {
        case .poll(let reference):
            guard let (table, build) = current(reference, finishingCall: false) else { return }
            build.pollScheduled = false
            guard build.isIdle, !build.pollInFlight, !table.revoking, !build.record.isSettled,
                  let buildID = build.record.buildID, let queue = queues[build.record.queue] else { return }
            if let triggeredAt = build.record.triggeredAt, Duration.milliseconds(now - triggeredAt) > settings.maxBuildDuration {
                let error = BuildError(code: .maximumDurationExceeded, kind: .infra, isRetryable: false,
                                       message: "the build ran longer than worker.maxBuildDuration (\(settings.maxBuildDuration))")
                giveUp(build, error: error, table: table, now: now, effects: &effects)
                return
            }
            build.pollInFlight = true
            effects.append(.call(ProviderCall(build: reference, queue: queue, operation: .status(buildID), traceparent: build.record.traceparent, due: due)))
        case .retryTrigger(let reference):
            guard let (table, build) = current(reference, finishingCall: false) else { return }
            guard case .triggering(let trigger, _, _, _) = build.activity, let queue = queues[trigger.queue] else { return }
            if table.revoking { return }
            table.busy += 1
            effects.append(.call(ProviderCall(build: reference, queue: queue, operation: .trigger(trigger), traceparent: build.record.traceparent)))
        case .retryCancel(let reference):
            guard let (table, build) = current(reference, finishingCall: false) else { return }
            guard case .cancelling = build.activity, let buildID = build.record.buildID, let queue = queues[build.record.queue], !table.revoking else { return }
            table.busy += 1
            effects.append(.call(ProviderCall(build: reference, queue: queue, operation: .cancel(buildID), traceparent: build.record.traceparent)))
        case .forget(let reference):
            guard let table = partitions[reference.partition], table.epoch == reference.epoch, !table.revoking,
                  let build = table.builds[reference.requestID], build.isIdle, build.waiting.isEmpty,
                  let settledAt = build.record.isSettled ? build.record.settledAt : nil else { return }
            let remaining = Duration.milliseconds(settledAt - now) + settings.requestRetention
            guard remaining <= .zero else {
                effects.append(.schedule(.forget(reference), after: remaining))
                return
            }
            table.builds[reference.requestID] = nil
            table.busy += 1
            effects.append(.appendTombstone(StateLogRecord(partition: reference.partition, key: Array(reference.requestID.rawValue.utf8), value: nil), epoch: reference.epoch))
        }
    }

    // MARK: Shutdown

    /// Local builds (see ``BuildQueue/buildsAreLocal``) not yet terminal.
    var unfinishedLocalBuilds: Int {
        partitions.values.reduce(0) { count, table in
            count + table.builds.values.filter { !$0.record.isSettled && $0.holdsSlot && queues[$0.record.queue]?.buildsAreLocal == true }.count
        }
    }

    /// An unfinished local build is idle: ``stopLocalBuilds(now:effects:)`` would stop it now.
    var hasStoppableLocalBuild: Bool {
        partitions.values.contains { table in
            table.builds.values.contains { $0.isIdle && !$0.record.isSettled && queues[$0.record.queue]?.buildsAreLocal == true }
        }
    }

    /// Reports every idle unfinished local build `failed` (infra) and stops it; busy ones are left for a later call.
    mutating func stopLocalBuilds(now: Int64, effects: inout Effects) {
        let error = BuildError(code: .workerStopped, kind: .infra, isRetryable: true, message: "the worker shut down before this local build finished")
        for partition in partitions.keys {
            guard let table = partitions[partition] else { continue }
            for (_, build) in table.builds where build.isIdle && !build.record.isSettled && queues[build.record.queue]?.buildsAreLocal == true {
                giveUp(build, error: error, table: table, now: now, effects: &effects)
            }
        }
    }

    // MARK: Partitions

    /// Starts owning `partition` with the builds its state records describe.
    mutating func restore(partition: Int32, records: [BuildStateRecord], now: Int64, effects: inout Effects) {
        let epoch = nextEpoch
        nextEpoch += 1
        let table = PartitionTable(partition: partition, epoch: epoch)
        let newest = records.map(\.recordedAt).max() ?? now
        for record in records {
            let reference = BuildReference(partition: partition, epoch: epoch, requestID: record.requestID)
            let build = TrackedBuild(record: record)
            if let settledAt = record.settledAt, Duration.milliseconds(now - settledAt) >= settings.requestRetention {
                table.busy += 1
                effects.append(.appendTombstone(StateLogRecord(partition: partition, key: Array(record.requestID.rawValue.utf8), value: nil), epoch: epoch))
                continue
            }
            if !record.isSettled {
                build.holdsSlot = true
                buildsInFlight += 1
                build.cancelPending = record.cancelRequested && record.buildID != nil
            }
            let republish = !record.isSettled || Duration.milliseconds(newest - record.recordedAt) <= settings.republishWindow
            if let event = record.lastEvent, republish {
                build.activity = .publishing
                table.busy += 1
                effects.append(.publishStatus(
                    StatusRecord(key: Array(record.requestID.rawValue.utf8), value: event, traceparent: record.traceparent),
                    build: reference, transition: nil))
            } else if record.isSettled {
                build.dropSettledPayload()
                scheduleForget(reference, record, now: now, effects: &effects)
            } else if queues[record.queue] == nil {
                abandonUnconfigured(build, table: table, now: now, effects: &effects)
            } else if build.cancelPending {
                startCancel(reference, build, table: table, effects: &effects)
            } else if let queue = queues[record.queue] {
                schedulePoll(reference, build, after: queue.pollIntervals.interval(for: record.status), effects: &effects)
            }
            table.builds[record.requestID] = build
        }
        partitions[partition] = table
    }

    /// Stops starting work for `partition`; what is in flight finishes (see ``isBusy(partition:)``).
    mutating func beginRevoke(partition: Int32, effects: inout Effects) {
        guard let table = partitions[partition] else { return }
        table.revoking = true
        let heldHere = table.builds.values.filter(\.isHeld).count
        heldCount -= heldHere
        updatePause(effects: &effects)
    }

    func isBusy(partition: Int32) -> Bool { (partitions[partition]?.busy ?? 0) > 0 }

    /// Forgets `partition` and its builds.
    mutating func endRevoke(partition: Int32, effects: inout Effects) {
        guard let table = partitions.removeValue(forKey: partition) else { return }
        buildsInFlight -= table.builds.values.filter(\.holdsSlot).count
    }

    // MARK: Helpers

    /// The table and build `reference` names, if that assignment is still current; `finishingCall` balances the
    /// partition's busy count for a call or record that completed.
    private func current(_ reference: BuildReference, finishingCall: Bool) -> (PartitionTable, TrackedBuild)? {
        guard let table = partitions[reference.partition], table.epoch == reference.epoch else { return nil }
        if finishingCall { table.busy -= 1 }
        guard let build = table.builds[reference.requestID] else { return nil }
        return (table, build)
    }

    /// Maps a provider status to what is published: a vendor-side cancel nobody asked for is a failure.
    private func outcome(of status: BuildStatus, cancelRequested: Bool) -> (BuildStatus, BuildError?) {
        switch status {
        case .failed: return (.failed, .buildFailed())
        case .cancelled where !cancelRequested:
            return (.failed, BuildError(code: .cancelledOutsideBuildRelay, kind: .dependency, isRetryable: false, message: "the build was cancelled outside BuildRelay"))
        default: return (status, nil)
        }
    }

    private func exhausted(_ error: BuildError, attempts: Int, operation: String) -> BuildError {
        BuildError(code: .retriesExhausted, kind: error.kind, isRetryable: true, message: "\(operation) failed \(attempts) times: \(error.message)")
    }

    /// Reports `failed` (infra) a restored, unfinished build whose queue this worker's configuration no longer has:
    /// without its provider it can be neither followed nor cancelled, and it would otherwise hold a build slot
    /// for ever.
    private mutating func abandonUnconfigured(_ build: TrackedBuild, table: PartitionTable, now: Int64, effects: inout Effects) {
        let error = BuildError(
            code: .unknownQueue, kind: .infra, isRetryable: false,
            message: "queue \"\(build.record.queue)\" is no longer configured: the build's outcome cannot be followed")
        transition(build, to: .failed, providerMetadata: [:], error: error, completes: [], table: table, now: now, effects: &effects)
    }

    /// Reports the build `failed` with `error` and asks the provider to cancel it, without waiting for the answer.
    private mutating func giveUp(_ build: TrackedBuild, error: BuildError, table: PartitionTable, now: Int64, effects: inout Effects) {
        if let buildID = build.record.buildID, let queue = queues[build.record.queue] {
            effects.append(.cancelQuietly(buildID, queue))
        }
        transition(build, to: .failed, providerMetadata: [:], error: error, completes: [], table: table, now: now, effects: &effects)
    }

    /// Makes the build's next event and records it; it is published once the record is acknowledged.
    private mutating func transition(
        _ build: TrackedBuild, to status: BuildStatus, providerMetadata: BuildMetadata, error: BuildError?,
        completes: [Int64], table: PartitionTable, now: Int64, effects: inout Effects
    ) {
        let event = StatusEvent(
            requestID: build.record.requestID, queue: build.record.queue, buildID: build.record.buildID, status: status,
            previousStatus: build.record.status, sequence: build.record.sequence + 1,
            metadata: build.record.metadata.merging(providerMetadata), error: status == .failed ? error : nil,
            timeMilliseconds: now, traceparent: build.record.traceparent)
        build.record.status = status
        build.record.sequence += 1
        // Encoded with the state record that carries it, after the lock is released (``StateRecordDraft``).
        build.record.lastEvent = nil
        build.unencodedEvent = event
        build.record.recordedAt = now
        if status.isTerminal {
            build.record.settledAt = now
            build.cancelPending = false
            if build.holdsSlot {
                build.holdsSlot = false
                buildsInFlight -= 1
            }
        }
        record(build, completes: completes, then: .publish, table: table, effects: &effects)
    }

    private mutating func record(_ build: TrackedBuild, completes: [Int64], then: TrackedBuild.AfterRecording, table: PartitionTable, effects: inout Effects) {
        let partition = table.partition
        build.activity = .recording(completes: completes, then: then)
        table.busy += 1
        effects.append(.appendState(
            StateRecordDraft(partition: partition, record: build.record, event: build.unencodedEvent),
            build: BuildReference(partition: partition, epoch: table.epoch, requestID: build.record.requestID)))
    }

    private mutating func startCancel(_ reference: BuildReference, _ build: TrackedBuild, table: PartitionTable, effects: inout Effects) {
        guard let buildID = build.record.buildID, let queue = queues[build.record.queue], !build.record.isSettled else {
            build.activity = .idle
            return
        }
        build.activity = .cancelling(attempt: 1, firstFailure: nil)
        table.busy += 1
        effects.append(.call(ProviderCall(build: reference, queue: queue, operation: .cancel(buildID), traceparent: build.record.traceparent)))
    }

    private func schedulePoll(_ reference: BuildReference, _ build: TrackedBuild, after delay: Duration, effects: inout Effects) {
        guard !build.pollScheduled else { return }
        build.pollScheduled = true
        effects.append(.schedule(.poll(reference), after: delay))
    }

    private func scheduleForget(_ reference: BuildReference, _ record: BuildStateRecord, now: Int64, effects: inout Effects) {
        guard let settledAt = record.settledAt else { return }
        effects.append(.schedule(.forget(reference), after: Duration.milliseconds(settledAt - now) + settings.requestRetention))
    }

    /// Applies the commands that waited for the build's previous activity, while it stays idle.
    private mutating func continueWaiting(_ reference: BuildReference, _ build: TrackedBuild, table: PartitionTable, now: Int64, effects: inout Effects) {
        while build.isIdle, !table.revoking, !build.waiting.isEmpty {
            switch build.waiting.removeFirst() {
            case .trigger(let trigger, let offset):
                process(.trigger(trigger), offset: offset, build: build, table: table, now: now, effects: &effects)
            case .cancel(let offset):
                process(.cancel(CancelCommand(requestID: reference.requestID)), offset: offset, build: build, table: table, now: now, effects: &effects)
            }
        }
    }

    private mutating func markProcessed(_ offset: Int64, table: PartitionTable, effects: inout Effects) {
        guard let next = table.offsets.processed(offset) else { return }
        effects.append(.commandsProcessed(partition: table.partition, nextOffset: next))
    }

    /// Starts held triggers while build slots are free. The engine calls it after every other method, once
    /// their tables are written back.
    mutating func releaseSlots(effects: inout Effects) {
        while buildsInFlight < settings.maxInFlightBuilds, heldHead < held.count {
            let reference = held[heldHead]
            heldHead += 1
            guard let table = partitions[reference.partition], table.epoch == reference.epoch, !table.revoking,
                  let build = table.builds[reference.requestID], case .held(let trigger, let offset) = build.activity else { continue }
            heldCount -= 1
            startTrigger(trigger, offset: offset, build: build, table: table, effects: &effects)
        }
        if heldHead > 1024, heldHead * 2 > held.count {
            held.removeFirst(heldHead)
            heldHead = 0
        }
        updatePause(effects: &effects)
    }

    private mutating func updatePause(effects: inout Effects) {
        let shouldPause = heldCount > settings.maxHeldTriggers
        guard shouldPause != paused else { return }
        paused = shouldPause
        let owned = partitions.filter { !$0.value.revoking }.map(\.key).sorted()
        effects.append(shouldPause ? .pause(owned) : .resume(owned))
    }
}
