/// The worker's rules, as a deterministic state machine: the engine feeds it commands, provider outcomes,
/// broker acknowledgements, timers and partition changes, one step at a time under its lock, with the time of
/// the step (``advance(to:)``); each step changes the tables and emits effects (calls, records, timers) that the
/// engine carries out after releasing the lock (``takeEffects()``). It reads no clock, starts no task and does no
/// I/O, and its jitter comes from a seeded generator, so its unit tests drive it directly and replay it exactly.
///
/// Invariants (checked after every step in debug builds, ``invariantViolations()``):
/// - A build has at most one activity; commands for its request id that arrive meanwhile wait, in order.
/// - An event is published only after the state record carrying its bytes was acknowledged, and a build's next
///   record is appended only after that event was acknowledged: a crash repeats at most the last event.
/// - A command's offset is reported processed only once what it caused is durable (see ``PendingOffsets``).
/// - Every piece of work a revoke must wait for is tracked from the effect that starts it to the completion that
///   ends it (``InFlightTracker``); the counts of builds in flight and held agree with the builds.
///
/// A class owned by the engine's mutex: its tables are classes too, changed in place.
final class WorkerEngineState {
    let settings: WorkerSettings
    let queues: [String: BuildQueue]
    var partitions: [Int32: PartitionTable] = [:]
    /// Triggers waiting for a build slot, oldest first; entries whose build is no longer held are skipped.
    private var held: [BuildReference] = []
    private var heldHead = 0
    private(set) var heldCount = 0
    private(set) var buildsInFlight = 0
    private(set) var paused = false
    /// More than half of `worker.maxHeldTriggers` triggers wait: the consumer should read no further for now.
    var isBackedUp: Bool { heldCount > settings.maxHeldTriggers / 2 }
    private var nextEpoch = 1
    /// The first error that kept a record from being stored: the engine stops.
    private(set) var storageFailure: (any Error)?
    /// The step's time: milliseconds since the Unix epoch, and the monotonic reading (``advance(to:)``).
    private(set) var now: Int64 = 0
    private(set) var monotonicNow: Duration = .zero
    private var effects: [EngineEffect] = []
    /// Polls of batch-status queues falling due, gathered for one read per queue (``BatchedPoll``).
    private var batchWaiting: [String: [BatchedPoll]] = [:]
    /// How long a queue's first due poll waits for others to join its batched read: half the queue's shortest poll
    /// interval, so that a listing serves most of the builds due in that interval, but at most 2 s (a webhook queue
    /// polls every minute, and its refreshes should not wait that long).
    static func batchGathering(_ intervals: PollIntervals) -> Duration {
        min(min(intervals.accepted, intervals.running) / 2, .seconds(2))
    }
    /// The jitter of poll intervals and retry backoffs.
    private var random: SeededRandom

    init(settings: WorkerSettings, queues: [String: BuildQueue], seed: UInt64 = .random(in: .min ... .max)) {
        self.settings = settings
        self.queues = queues
        self.random = SeededRandom(seed: seed)
    }

    /// Starts a step at `instant`. The monotonic clock never goes back, whatever the caller passes.
    func advance(to instant: EngineInstant) {
        now = instant.wallMilliseconds
        monotonicNow = max(monotonicNow, instant.monotonic)
    }

    /// The effects emitted since the last call, in order; `expectedCount` reserves room for the next step's.
    func takeEffects(reservingCapacity expectedCount: Int = 0) -> [EngineEffect] {
        var taken: [EngineEffect] = []
        taken.reserveCapacity(expectedCount)
        swap(&taken, &effects)
        return taken
    }

    /// Emits `effect`, and begins tracking the work it starts.
    private func emit(_ effect: EngineEffect) {
        if let (partition, epoch, work) = effect.inFlightWork, let table = partitions[partition], table.epoch == epoch {
            table.inFlight.begin(work)
        }
        effects.append(effect)
    }

    /// Ends the tracked `work` of an assignment; returns its table if that assignment is still current.
    private func finish(_ work: InFlightWork, partition: Int32, epoch: Int) -> PartitionTable? {
        guard let table = partitions[partition], table.epoch == epoch else { return nil }
        table.inFlight.end(work)
        return table
    }

    /// Remembers the first storage failure; the engine stops on it.
    private func noteStorageFailure(_ error: (any Error)?) {
        if let error, storageFailure == nil { storageFailure = error }
    }

    // MARK: Commands

    /// Returns `false` when the record's partition is not owned (or is being revoked): it is ignored. A record with a
    /// `home` partition (a correctly keyed command off its home) is forwarded there; its offset counts as processed
    /// once the copy is acknowledged.
    @discardableResult
    func accept(
        _ record: CommandRecord, decoded: Result<BuildCommand, CommandRejection>, home: Int32?
    ) -> Bool {
        guard let table = partitions[record.partition], !table.revoking else { return false }
        table.offsets.consumed(record.offset)
        if let home {
            emit(.forwardCommand(record, to: home, epoch: table.epoch))
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
            emit(.publishDeadLetter(DeadLetterRecord(source: record, reason: rejection.reason), epoch: table.epoch, requestID: requestID))
        case .success(.refresh(let refresh)):
            self.refresh(refresh, offset: record.offset, table: table)
        case .success(let command):
            let id = command.requestID
            if let build = table.builds[id] {
                if build.isIdle || build.isHeld {
                    // A held trigger takes a cancel at once, and ignores a repeated trigger.
                    process(command, offset: record.offset, build: build, table: table)
                } else {
                    build.waiting.append((command, record.offset))
                }
            } else {
                let traceparent = record.traceparent ?? TraceParent.random()
                let build = TrackedBuild(record: BuildStateRecord(requestID: id, queue: "", traceparent: traceparent, recordedAt: now))
                process(command, offset: record.offset, build: build, table: table, isNew: true)
                table.builds[id] = build
            }
        }
        return true
    }

    /// Asks for the build's status now instead of at its next poll, unless that would bring nothing: the build is
    /// unknown or settled, already in the observed status, or a status call for it is in flight. A busy build
    /// (recording, triggering, cancelling) polls as soon as it is idle again. A refresh changes nothing durable, so
    /// its offset is processed at once, and it never waits behind the build's other commands.
    private func refresh(_ command: RefreshCommand, offset: Int64, table: PartitionTable) {
        defer { markProcessed(offset, table: table) }
        let outcome: RefreshOutcome
        if let build = table.builds[command.requestID], !build.record.isSettled, !build.isHeld, queues[build.record.queue] != nil {
            if let observed = command.observedStatus, observed == build.record.status {
                outcome = .unchanged
            } else if build.pollInFlight {
                // One status call at a time; it may have been made before what the refresh reports happened.
                build.refreshWanted = true
                build.refreshObserved = command.observedStatus
                outcome = .coalesced
            } else {
                build.refreshWanted = true
                if build.isIdle, build.record.buildID != nil {
                    schedulePoll(reference(of: build, in: table), build, after: .zero)
                    outcome = .polled
                } else {
                    outcome = .deferred
                }
            }
        } else {
            outcome = .ignored
        }
        emit(.refreshed(outcome))
    }

    /// Applies a command to a build that is idle (or held, for a cancel or a repeated trigger).
    private func process(
        _ command: BuildCommand, offset: Int64, build: TrackedBuild, table: PartitionTable,
        isNew: Bool = false
    ) {
        switch command {
        case .trigger(let trigger):
            if !isNew {
                if build.record.sequence == 0, build.record.cancelRequested, !build.isHeld {
                    // Cancelled before its trigger: start nothing, report `cancelled`.
                    build.record.queue = trigger.queue
                    build.record.triggerDigest = trigger.contentDigest
                    build.adoptTriggerMetadata(trigger.metadata)
                    transition(build, to: .cancelled, providerMetadata: [:], error: nil, completes: [offset], table: table)
                } else if build.isAttemptInterrupted {
                    // Its attempt was in flight when the partition changed hands: this is the trigger again, from
                    // the last committed offset. Try again, looking the build up first.
                    startTrigger(trigger, offset: offset, build: build, table: table)
                } else {
                    if let digest = build.record.triggerDigest, digest != trigger.contentDigest {
                        emit(.note(.conflictingTrigger(trigger.requestID, queue: trigger.queue, knownQueue: build.record.queue)))
                    }
                    markProcessed(offset, table: table)
                }
                return
            }
            build.record.queue = trigger.queue
            build.record.metadata = trigger.metadata
            build.record.triggerDigest = trigger.contentDigest
            guard queues[trigger.queue] != nil else {
                let error = BuildError(code: .unknownQueue, kind: .user, isRetryable: false, message: "queue \"\(trigger.queue)\" is not configured")
                transition(build, to: .failed, providerMetadata: [:], error: error, completes: [offset], table: table)
                return
            }
            if buildsInFlight >= settings.maxInFlightBuilds {
                build.activity = .held(trigger, offset: offset)
                held.append(reference(of: build, in: table))
                heldCount += 1
                updatePause()
            } else {
                startTrigger(trigger, offset: offset, build: build, table: table)
            }
        case .refresh(let refresh):
            self.refresh(refresh, offset: offset, table: table)
        case .cancel(let cancel):
            if case .held(let trigger, let triggerOffset) = build.activity {
                // Never started: report `cancelled` at once.
                emit(.note(.cancelAccepted(cancel.requestID, queue: trigger.queue, buildID: nil, reason: cancel.reason)))
                heldCount -= 1
                updatePause()
                build.noteCancel(cancel)
                build.record.queue = trigger.queue
                transition(build, to: .cancelled, providerMetadata: [:], error: nil, completes: [triggerOffset, offset], table: table)
            } else if build.record.isSettled || build.record.cancelRequested {
                markProcessed(offset, table: table)
            } else if isNew {
                // Cancel before trigger: remember it for `requestRetention`.
                emit(.note(.cancelAccepted(cancel.requestID, queue: "", buildID: nil, reason: cancel.reason)))
                build.noteCancel(cancel)
                build.record.settledAt = now
                build.record.recordedAt = now
                record(build, completes: [offset], then: .nothing, table: table)
            } else {
                emit(.note(.cancelAccepted(cancel.requestID, queue: build.record.queue, buildID: build.record.buildID, reason: cancel.reason)))
                build.noteCancel(cancel)
                build.record.recordedAt = now
                record(build, completes: [offset], then: .cancel, table: table)
            }
        }
    }

    /// Takes a build slot and makes the first trigger call. For a manager that looks earlier builds up
    /// (``BuildManagerCapabilities/looksUpEarlierTriggers``), a request's first attempt is recorded before it is
    /// made, so that it can skip the look-up: any later attempt, here or on the partition's next owner, looks up.
    private func startTrigger(_ trigger: TriggerCommand, offset: Int64, build: TrackedBuild, table: PartitionTable) {
        guard let queue = queues[trigger.queue] else { return }
        if !build.holdsSlot {
            build.holdsSlot = true
            buildsInFlight += 1
        }
        if !build.record.triggerAttempted, queue.manager.capabilities.contains(.looksUpEarlierTriggers) {
            build.record.triggerAttempted = true
            build.record.recordedAt = now
            record(build, completes: [], then: .trigger(trigger, offset: offset), table: table)
            return
        }
        callTrigger(trigger, offset: offset, mayHaveStarted: true, build: build, table: table)
    }

    private func callTrigger(_ trigger: TriggerCommand, offset: Int64, mayHaveStarted: Bool, build: TrackedBuild, table: PartitionTable) {
        guard let queue = queues[trigger.queue] else { return }
        build.activity = .triggering(trigger, offset: offset, attempt: 1, firstFailure: nil)
        emit(.call(ProviderCall(
            build: reference(of: build, in: table), queue: queue, operation: .trigger(TriggerRequest(trigger, mayHaveStarted: mayHaveStarted)),
            traceparent: build.record.traceparent)))
    }

    // MARK: Provider results

    /// Applies what a provider call returned (the engine hands over outcomes in batches, see `WorkerEngine.finish`).
    func apply(_ outcome: ProviderCallOutcome) {
        switch outcome {
        case .trigger(let build, let result): triggerCompleted(build, result: result)
        case .status(let build, let result): statusCompleted(build, result: result)
        case .statuses(let polls, let result): batchCompleted(polls, result: result)
        case .cancel(let build, let result): cancelCompleted(build, result: result)
        }
    }

    /// A batched read's answer, applied build by build; a build it did not report is polled on its own.
    private func batchCompleted(_ polls: [BatchedPoll], result: Result<[BuildID: BuildStatusReport], any Error>) {
        for poll in polls {
            switch result {
            case .failure(let error):
                statusCompleted(poll.build, result: .failure(error))
            case .success(let reports):
                if let report = reports[poll.buildID] {
                    statusCompleted(poll.build, result: .success(report))
                } else if let (_, build) = current(poll.build), build.pollInFlight, let queue = queues[build.record.queue] {
                    emit(.call(ProviderCall(build: poll.build, queue: queue, operation: .status(poll.buildID), traceparent: build.record.traceparent)))
                }
            }
        }
    }

    private func triggerCompleted(_ reference: BuildReference, result: Result<TriggeredBuild, any Error>) {
        guard let (table, build) = current(reference, finishing: .providerCall(reference.requestID)) else { return }
        guard case .triggering(let trigger, let offset, let attempt, let firstFailure) = build.activity else { return }
        switch result {
        case .success(let triggered):
            let status = triggered.status
            build.record.buildID = triggered.id
            build.record.triggeredAt = now
            emit(.note(.triggered(build.record.requestID, queue: build.record.queue, buildID: triggered.id)))
            let initial: BuildStatus = status == .unknown ? .accepted : status
            let (mapped, error) = outcome(of: BuildStatusReport(status: initial), cancelRequested: false)
            transition(build, to: mapped, providerMetadata: [:], error: error, completes: [offset], table: table)
        case .failure(let failure):
            let error = BuildErrorClassifier.classify(failure)
            if error.isRetryable, table.revoking {
                // The partition is going (found by the provider-faults chaos scenario: a rebalance during a
                // provider outage failed these builds). Its next owner consumes the trigger again, since this
                // offset was not stored, and retries it; nothing was recorded for it here.
                build.activity = .idle
                return
            }
            let started = firstFailure ?? monotonicNow
            if error.isRetryable, settings.retry.allowsRetry(afterAttempt: attempt, elapsed: monotonicNow - started) {
                build.activity = .triggering(trigger, offset: offset, attempt: attempt + 1, firstFailure: started)
                emit(.schedule(.retryTrigger(reference), after: settings.retry.backoff(afterAttempt: attempt, using: &random)))
            } else {
                let final = error.isRetryable ? exhausted(error, attempts: attempt, operation: "trigger") : error
                transition(build, to: .failed, providerMetadata: [:], error: final, completes: [offset], table: table)
            }
        }
    }

    private func statusCompleted(_ reference: BuildReference, result: Result<BuildStatusReport, any Error>) {
        guard let (table, build) = current(reference) else { return }
        build.pollInFlight = false
        guard build.isIdle, !table.revoking, !build.record.status.isTerminal, let queue = queues[build.record.queue] else { return }
        switch result {
        case .success(let report):
            build.statusFailures = 0
            build.firstStatusFailure = nil
            let (mapped, error) = outcome(of: report, cancelRequested: build.record.cancelRequested)
            if build.refreshWanted, let observed = build.refreshObserved, observed == mapped { build.refreshWanted = false }
            build.refreshObserved = nil
            let isForward = mapped.isTerminal || (mapped == .running && build.record.status != .running)
            if mapped == .unknown || !isForward {
                schedulePoll(reference, build, after: queue.pollIntervals.interval(for: build.record.status, using: &random))
            } else {
                transition(build, to: mapped, providerMetadata: report.metadata, error: error, completes: [], table: table)
            }
        case .failure(let failure):
            let error = BuildErrorClassifier.classify(failure)
            build.statusFailures += 1
            let started = build.firstStatusFailure ?? monotonicNow
            build.firstStatusFailure = started
            if error.isRetryable, settings.retry.allowsRetry(afterAttempt: build.statusFailures, elapsed: monotonicNow - started) {
                schedulePoll(reference, build, after: settings.retry.backoff(afterAttempt: build.statusFailures, using: &random))
            } else {
                let final = error.isRetryable ? exhausted(error, attempts: build.statusFailures, operation: "status") : error
                giveUp(build, error: final, table: table)
            }
        }
    }

    private func cancelCompleted(_ reference: BuildReference, result: Result<Void, any Error>) {
        guard let (table, build) = current(reference, finishing: .providerCall(reference.requestID)) else { return }
        guard case .cancelling(let attempt, let firstFailure) = build.activity, let queue = queues[build.record.queue] else { return }
        switch result {
        case .success:
            build.cancelPending = false
            build.activity = .idle
            schedulePoll(reference, build, after: .zero)
        case .failure(let failure):
            let error = BuildErrorClassifier.classify(failure)
            let started = firstFailure ?? monotonicNow
            if error.isRetryable, !table.revoking, settings.retry.allowsRetry(afterAttempt: attempt, elapsed: monotonicNow - started) {
                build.activity = .cancelling(attempt: attempt + 1, firstFailure: started)
                emit(.schedule(.retryCancel(reference), after: settings.retry.backoff(afterAttempt: attempt, using: &random)))
                return
            }
            // The build goes on; its outcome will be reported as the provider tells it.
            build.cancelPending = false
            build.activity = .idle
            schedulePoll(reference, build, after: queue.pollIntervals.interval(for: build.record.status, using: &random))
        }
        continueWaiting(reference, build, table: table)
    }

    // MARK: Records

    func completed(_ completion: TransportCompletion) {
        switch completion {
        case .stateAppended(let build, let event, let error):
            stateAppended(build, event: event, error: error)
        case .tombstoneAppended(let reference, let error):
            tombstoneAppended(reference, error: error)
        case .statusPublished(let build, let error):
            statusPublished(build, error: error)
        case .commandForwarded(let partition, let epoch, let offset, let error):
            commandForwarded(partition: partition, epoch: epoch, offset: offset, error: error)
        case .deadLettered(let partition, let epoch, let requestID, let offset, let error):
            deadLettered(partition: partition, epoch: epoch, requestID: requestID, offset: offset, error: error)
        }
    }

    private func stateAppended(
        _ reference: BuildReference, event: EncodedEvent?, error: (any Error)?
    ) {
        noteStorageFailure(error)
        guard let (table, build) = current(reference, finishing: .stateRecord(reference.requestID)) else { return }
        guard error == nil, case .recording(let completes, let then) = build.activity else { return }
        if let event, build.unencodedEvent?.sequence == event.sequence {
            build.record.lastEvent = event.bytes
            build.unencodedEvent = nil
        }
        for offset in completes { markProcessed(offset, table: table) }
        switch then {
        case .publish:
            guard let event = build.record.lastEvent else { return }
            build.activity = .publishing
            emit(.publishStatus(
                StatusRecord(key: Array(reference.requestID.rawValue.utf8), value: event, traceparent: build.record.traceparent),
                build: reference, transition: build.record.status))
        case .cancel:
            startCancel(reference, build, table: table)
        case .trigger(let trigger, let offset):
            guard !table.revoking else {
                // The partition's next owner gets the trigger again, and this record: it tries again, looking up.
                build.activity = .idle
                return
            }
            callTrigger(trigger, offset: offset, mayHaveStarted: false, build: build, table: table)
        case .nothing:
            build.activity = .idle
            if build.record.isSettled { scheduleForget(reference, build.record) }
            continueWaiting(reference, build, table: table)
        }
    }

    private func tombstoneAppended(_ reference: BuildReference, error: (any Error)?) {
        noteStorageFailure(error)
        _ = finish(.tombstone(reference.requestID), partition: reference.partition, epoch: reference.epoch)
    }

    private func statusPublished(_ reference: BuildReference, error: (any Error)?) {
        noteStorageFailure(error)
        guard let (table, build) = current(reference, finishing: .statusEvent(reference.requestID)) else { return }
        guard error == nil, case .publishing = build.activity else { return }
        build.activity = .idle
        if build.record.isSettled {
            build.dropSettledPayload()
            scheduleForget(reference, build.record)
        } else if queues[build.record.queue] == nil {
            abandonUnconfigured(build, table: table)
            return
        } else if build.cancelPending, !table.revoking {
            startCancel(reference, build, table: table)
            return
        } else if let queue = queues[build.record.queue] {
            schedulePoll(reference, build, after: queue.pollIntervals.interval(for: build.record.status, using: &random))
        }
        continueWaiting(reference, build, table: table)
    }

    private func commandForwarded(partition: Int32, epoch: Int, offset: Int64, error: (any Error)?) {
        noteStorageFailure(error)
        guard let table = finish(.forward(offset: offset), partition: partition, epoch: epoch), error == nil else { return }
        markProcessed(offset, table: table)
    }

    private func deadLettered(partition: Int32, epoch: Int, requestID: RequestID?, offset: Int64, error: (any Error)?) {
        noteStorageFailure(error)
        guard let table = finish(.deadLetter(offset: offset), partition: partition, epoch: epoch), error == nil else { return }
        guard let requestID, let build = table.builds[requestID], case .deadLettering(_, let reason, let queue) = build.activity else {
            markProcessed(offset, table: table)
            return
        }
        build.record.queue = queue
        let failure = BuildError(code: .invalidCommand, kind: .user, isRetryable: false, message: "invalid command: \(reason)")
        transition(build, to: .failed, providerMetadata: [:], error: failure, completes: [offset], table: table)
    }

    // MARK: Timers

    /// `due` is when the timer was due (for the poll-lag metric); `now` is the wall clock, in ms since the Unix epoch.
    func timerFired(_ timer: WorkerTimer, due: ContinuousClock.Instant) {
        switch timer {
        case .poll(let reference, let generation):
            guard let (table, build) = current(reference), generation == build.pollGeneration else { return }
            build.pollScheduled = false
            guard build.isIdle, !build.pollInFlight, !table.revoking, !build.record.isSettled,
                  let buildID = build.record.buildID, let queue = queues[build.record.queue] else { return }
            if let triggeredAt = build.record.triggeredAt, Duration.milliseconds(now - triggeredAt) > settings.maxBuildDuration {
                let error = BuildError(code: .maximumDurationExceeded, kind: .infra, isRetryable: false,
                                       message: "the build ran longer than worker.maxBuildDuration (\(settings.maxBuildDuration))")
                giveUp(build, error: error, table: table)
                return
            }
            build.pollInFlight = true
            if queue.manager.capabilities.contains(.batchStatus), !build.pollIsRefresh {
                // Gathered with the queue's other polls falling due meanwhile into one read. A refresh's poll is
                // not: it is the reason webhooks exist, and waiting to gather would delay what they report.
                batchWaiting[queue.name, default: []].append(BatchedPoll(build: reference, buildID: buildID))
                if batchWaiting[queue.name]?.count == 1 {
                    emit(.schedule(.batchPoll(queue: queue.name), after: Self.batchGathering(queue.pollIntervals)))
                }
                return
            }
            emit(.call(ProviderCall(build: reference, queue: queue, operation: .status(buildID), traceparent: build.record.traceparent, due: due)))
        case .batchPoll(let name):
            guard let queue = queues[name], let waiting = batchWaiting.removeValue(forKey: name) else { return }
            let polls = waiting.filter { poll in current(poll.build).map { $0.1.pollInFlight } ?? false }
            guard let first = polls.first, let (_, build) = current(first.build) else { return }
            emit(.call(ProviderCall(build: first.build, queue: queue, operation: .statuses(polls), traceparent: build.record.traceparent, due: due)))
        case .retryTrigger(let reference):
            guard let (table, build) = current(reference) else { return }
            guard case .triggering(let trigger, _, _, _) = build.activity, let queue = queues[trigger.queue] else { return }
            if table.revoking { return }
            emit(.call(ProviderCall(
                build: reference, queue: queue, operation: .trigger(TriggerRequest(trigger, mayHaveStarted: true)), traceparent: build.record.traceparent)))
        case .retryCancel(let reference):
            guard let (table, build) = current(reference) else { return }
            guard case .cancelling = build.activity, let buildID = build.record.buildID, let queue = queues[build.record.queue], !table.revoking else { return }
            emit(.call(ProviderCall(build: reference, queue: queue, operation: .cancel(buildID), traceparent: build.record.traceparent)))
        case .forget(let reference):
            guard let table = partitions[reference.partition], table.epoch == reference.epoch, !table.revoking,
                  let build = table.builds[reference.requestID], build.isIdle, build.waiting.isEmpty,
                  let settledAt = build.record.isSettled ? build.record.settledAt : nil else { return }
            let remaining = Duration.milliseconds(settledAt - now) + settings.requestRetention
            guard remaining <= .zero else {
                emit(.schedule(.forget(reference), after: remaining))
                return
            }
            table.builds[reference.requestID] = nil
            emit(.appendTombstone(reference))
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
    func stopLocalBuilds() {
        let error = BuildError(code: .workerStopped, kind: .infra, isRetryable: true, message: "the worker shut down before this local build finished")
        for partition in partitions.keys {
            guard let table = partitions[partition] else { continue }
            for (_, build) in table.builds where build.isIdle && !build.record.isSettled && queues[build.record.queue]?.buildsAreLocal == true {
                giveUp(build, error: error, table: table)
            }
        }
    }

    // MARK: Partitions

    /// Starts owning `partition` with the builds its state records describe.
    func restore(partition: Int32, records: [BuildStateRecord]) {
        let epoch = nextEpoch
        nextEpoch += 1
        let table = PartitionTable(partition: partition, epoch: epoch)
        partitions[partition] = table
        let newest = records.map(\.recordedAt).max() ?? now
        for record in records {
            let reference = BuildReference(partition: partition, epoch: epoch, requestID: record.requestID)
            let build = TrackedBuild(record: record)
            if let settledAt = record.settledAt, Duration.milliseconds(now - settledAt) >= settings.requestRetention {
                emit(.appendTombstone(reference))
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
                emit(.publishStatus(
                    StatusRecord(key: Array(record.requestID.rawValue.utf8), value: event, traceparent: record.traceparent),
                    build: reference, transition: nil))
            } else if record.isSettled {
                build.dropSettledPayload()
                scheduleForget(reference, record)
            } else if queues[record.queue] == nil {
                abandonUnconfigured(build, table: table)
            } else if build.cancelPending {
                startCancel(reference, build, table: table)
            } else if let queue = queues[record.queue] {
                schedulePoll(reference, build, after: queue.pollIntervals.interval(for: record.status, using: &random))
            }
            table.builds[record.requestID] = build
        }
    }

    /// Stops starting work for `partition`; what is in flight finishes (see ``isBusy(partition:)``).
    func beginRevoke(partition: Int32) {
        guard let table = partitions[partition] else { return }
        table.revoking = true
        let heldHere = table.builds.values.filter(\.isHeld).count
        heldCount -= heldHere
        updatePause()
    }

    func isBusy(partition: Int32) -> Bool { partitions[partition].map { !$0.inFlight.isEmpty } ?? false }

    /// Forgets `partition` and its builds.
    func endRevoke(partition: Int32) {
        guard let table = partitions.removeValue(forKey: partition) else { return }
        buildsInFlight -= table.builds.values.filter(\.holdsSlot).count
    }

    // MARK: Helpers

    /// The table and build `reference` names, if that assignment is still current. `finishing` is the tracked work
    /// whose completion brought the reference back: it ends first, whatever else is found.
    private func current(_ reference: BuildReference, finishing work: InFlightWork? = nil) -> (PartitionTable, TrackedBuild)? {
        let table = if let work {
            finish(work, partition: reference.partition, epoch: reference.epoch)
        } else {
            partitions[reference.partition].flatMap { $0.epoch == reference.epoch ? $0 : nil }
        }
        guard let table, let build = table.builds[reference.requestID] else { return nil }
        return (table, build)
    }

    private func reference(of build: TrackedBuild, in table: PartitionTable) -> BuildReference {
        BuildReference(partition: table.partition, epoch: table.epoch, requestID: build.record.requestID)
    }

    /// Maps a provider status to what is published: a vendor-side cancel nobody asked for is a failure.
    private func outcome(of report: BuildStatusReport, cancelRequested: Bool) -> (BuildStatus, BuildError?) {
        switch report.status {
        case .failed: return (.failed, report.failure ?? .buildFailed())
        case .cancelled where !cancelRequested:
            return (.failed, BuildError(code: .cancelledOutsideBuildRelay, kind: .dependency, isRetryable: false, message: "the build was cancelled outside BuildRelay"))
        default: return (report.status, nil)
        }
    }

    private func exhausted(_ error: BuildError, attempts: Int, operation: String) -> BuildError {
        BuildError(code: .retriesExhausted, kind: error.kind, isRetryable: true, message: "\(operation) failed \(attempts) times: \(error.message)")
    }

    /// Reports `failed` (infra) a restored, unfinished build whose queue this worker's configuration no longer has:
    /// without its provider it can be neither followed nor cancelled, and it would otherwise hold a build slot
    /// for ever.
    private func abandonUnconfigured(_ build: TrackedBuild, table: PartitionTable) {
        let error = BuildError(
            code: .unknownQueue, kind: .infra, isRetryable: false,
            message: "queue \"\(build.record.queue)\" is no longer configured: the build's outcome cannot be followed")
        transition(build, to: .failed, providerMetadata: [:], error: error, completes: [], table: table)
    }

    /// Reports the build `failed` with `error` and asks the provider to cancel it, without waiting for the answer.
    private func giveUp(_ build: TrackedBuild, error: BuildError, table: PartitionTable) {
        if let buildID = build.record.buildID, let queue = queues[build.record.queue] {
            emit(.call(ProviderCall(build: reference(of: build, in: table), queue: queue, operation: .abandon(buildID), traceparent: build.record.traceparent)))
        }
        transition(build, to: .failed, providerMetadata: [:], error: error, completes: [], table: table)
    }

    /// Makes the build's next event and records it; it is published once the record is acknowledged.
    private func transition(
        _ build: TrackedBuild, to status: BuildStatus, providerMetadata: BuildMetadata, error: BuildError?,
        completes: [Int64], table: PartitionTable
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
        build.record.statusSince = now
        if status.isTerminal {
            build.record.settledAt = now
            build.cancelPending = false
            if build.holdsSlot {
                build.holdsSlot = false
                buildsInFlight -= 1
            }
        }
        record(build, completes: completes, then: .publish, table: table)
    }

    private func record(_ build: TrackedBuild, completes: [Int64], then: TrackedBuild.AfterRecording, table: PartitionTable) {
        let partition = table.partition
        build.activity = .recording(completes: completes, then: then)
        emit(.appendState(
            StateRecordDraft(partition: partition, record: build.record, event: build.unencodedEvent),
            build: reference(of: build, in: table)))
    }

    private func startCancel(_ reference: BuildReference, _ build: TrackedBuild, table: PartitionTable) {
        guard let buildID = build.record.buildID, let queue = queues[build.record.queue], !build.record.isSettled else {
            build.activity = .idle
            return
        }
        build.activity = .cancelling(attempt: 1, firstFailure: nil)
        emit(.call(ProviderCall(build: reference, queue: queue, operation: .cancel(buildID), traceparent: build.record.traceparent)))
    }

    /// Schedules the build's next status call after `delay`, unless one is scheduled already; a wanted refresh
    /// makes it now, replacing the later one (whose timer is then stale: it carries an older generation).
    private func schedulePoll(_ reference: BuildReference, _ build: TrackedBuild, after delay: Duration) {
        let now = build.refreshWanted
        guard !build.pollScheduled || now else { return }
        build.refreshWanted = false
        build.pollScheduled = true
        build.pollIsRefresh = now
        build.pollGeneration += 1
        emit(.schedule(.poll(reference, generation: build.pollGeneration), after: now ? .zero : delay))
    }

    private func scheduleForget(_ reference: BuildReference, _ record: BuildStateRecord) {
        guard let settledAt = record.settledAt else { return }
        emit(.schedule(.forget(reference), after: Duration.milliseconds(settledAt - now) + settings.requestRetention))
    }

    /// Applies the commands that waited for the build's previous activity, while it stays idle.
    private func continueWaiting(_ reference: BuildReference, _ build: TrackedBuild, table: PartitionTable) {
        while build.isIdle, !table.revoking, !build.waiting.isEmpty {
            let (command, offset) = build.waiting.removeFirst()
            process(command, offset: offset, build: build, table: table)
        }
    }

    private func markProcessed(_ offset: Int64, table: PartitionTable) {
        guard let next = table.offsets.processed(offset) else { return }
        emit(.commandsProcessed(partition: table.partition, nextOffset: next))
    }

    /// Starts held triggers while build slots are free. The engine calls it after every other method, once
    /// their tables are written back.
    func releaseSlots() {
        while buildsInFlight < settings.maxInFlightBuilds, heldHead < held.count {
            let reference = held[heldHead]
            heldHead += 1
            guard let table = partitions[reference.partition], table.epoch == reference.epoch, !table.revoking,
                  let build = table.builds[reference.requestID], case .held(let trigger, let offset) = build.activity else { continue }
            heldCount -= 1
            startTrigger(trigger, offset: offset, build: build, table: table)
        }
        if heldHead > 1024, heldHead * 2 > held.count {
            held.removeFirst(heldHead)
            heldHead = 0
        }
        updatePause()
    }

    private func updatePause() {
        let shouldPause = heldCount > settings.maxHeldTriggers
        guard shouldPause != paused else { return }
        paused = shouldPause
        let owned = partitions.filter { !$0.value.revoking }.map(\.key).sorted()
        emit(shouldPause ? .pause(owned) : .resume(owned))
    }

    // MARK: Invariants

    /// What breaks the invariants above, one line each; empty when they hold. Linear in the builds tracked.
    func invariantViolations() -> [String] {
        var problems: [String] = []
        var slots = 0
        var heldNow = 0
        for table in partitions.values {
            for build in table.builds.values {
                if build.holdsSlot { slots += 1 }
                if build.isHeld, !table.revoking { heldNow += 1 }
                if build.holdsSlot, build.record.status.isTerminal {
                    problems.append("\(build.record.requestID) is \(build.record.status) and still holds a build slot")
                }
            }
            #if DEBUG
            problems += table.inFlight.violations { table.builds[$0]?.activity }
            #endif
        }
        if slots != buildsInFlight { problems.append("\(slots) builds hold slots, but buildsInFlight is \(buildsInFlight)") }
        if heldNow != heldCount { problems.append("\(heldNow) triggers are held, but heldCount is \(heldCount)") }
        if paused != (heldCount > settings.maxHeldTriggers) { problems.append("paused is \(paused) with \(heldCount) held triggers") }
        return problems
    }
}
