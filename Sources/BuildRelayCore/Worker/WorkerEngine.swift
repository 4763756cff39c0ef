import Foundation
import Logging
import Synchronization
import Tracing

/// The worker: applies commands to builds through their queues' ``BuildManager``s, tracks every build to its
/// terminal status, and records and publishes each transition through a ``WorkerTransport``.
///
/// Whoever consumes the commands drives it from one task, in consumption order: ``assign(_:)`` when partitions
/// arrive (it restores their builds from the state topic before returning), ``accept(_:)`` for records, in
/// batches as they come (it never waits), ``revoke(_:lost:)`` before partitions go (it returns once their in-flight work is recorded and
/// their offsets committed). ``run()`` carries out provider calls and timers meanwhile.
///
/// Guarantees (see ``WorkerEngineState``): per request id, commands apply in order and events are published in
/// sequence, each only after the state record carrying its bytes is durable; a command's offset is reported
/// processed only once its effect is durable; the state of a revoked partition is dropped, so a worker never
/// publishes for a partition it no longer owns.
public final class WorkerEngine: Sendable {
    public let settings: WorkerSettings
    private let queues: [String: BuildQueue]
    private let transport: any WorkerTransport
    private let logger: Logger
    private let clock: WorkerClock
    private let decoder: CommandDecoder
    private let encoder: StatusEventEncoder
    private let state: Mutex<WorkerEngineState>
    private let commandCalls = WorkQueue<ProviderCall>()
    private let statusCalls = WorkQueue<ProviderCall>()
    private let timers = TimerSchedule<WorkerTimer>()
    private let stopSignal = AsyncStream<(any Error)?>.makeStream()
    private let eventsPublished = Atomic<Int>(0)
    private let metrics: WorkerMetrics
    /// The consume loop, parked in ``waitForRoom(upTo:)``; `roomWanted` lets ``update(_:)`` skip its lock.
    private let roomWaiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let roomWanted = Atomic<Bool>(false)
    /// ``WorkerEngineState/isBackedUp`` as of the last update.
    private let backedUp = Atomic<Bool>(false)
    private let waiters = StateWaiters()
    /// The transport's current round of acknowledgements: its first is applied at once (at a low rate a round holds
    /// one or two, and waiting for the round's end was measured to add latency), the rest together at the end.
    private let round = Mutex<(firstApplied: Bool, pending: [TransportCompletion])>((false, []))
    /// Provider-call outcomes handed over to the task applying them (see ``finish(_:)``).
    private let outcomes = Mutex<(applying: Bool, pending: [ProviderCallOutcome])>((false, []))
    /// The commands topic's partition count, from the last assignment (0 before the first: nothing is forwarded).
    private let commandPartitionCount = Atomic<Int>(0)
    /// Partitions whose first forwarded command was logged.
    private let forwardsLogged = Mutex<Set<Int32>>([])

    public init(
        settings: WorkerSettings, queues: [BuildQueue], transport: any WorkerTransport, logger: Logger, clock: WorkerClock = .system
    ) {
        let queuesByName = Dictionary(queues.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.settings = settings
        self.queues = queuesByName
        self.transport = transport
        self.logger = logger
        self.clock = clock
        self.decoder = CommandDecoder(maximumCommandBytes: settings.maxCommandBytes)
        self.encoder = StatusEventEncoder(groupID: settings.groupID)
        self.state = Mutex(WorkerEngineState(settings: settings, queues: queuesByName))
        self.metrics = WorkerMetrics(queues: queues)
        transport.afterEachCompletionRound { [weak self] in self?.applyCompletions() }
    }

    /// Runs provider calls and timers until ``stop()`` or cancellation; throws the first error that made a record
    /// impossible to store (the worker must then exit: its uncommitted commands go to another worker).
    public func run() async throws {
        try await withTaskCancellationHandler {
            try await serve()
        } onCancel: {
            shutDownQueues()
        }
    }

    private func serve() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, settings.commandConcurrency) {
                group.addTask { await self.serveCalls(from: self.commandCalls) }
            }
            for _ in 0..<max(1, settings.statusConcurrency) {
                group.addTask { await self.serveCalls(from: self.statusCalls) }
            }
            group.addTask {
                await self.timers.run { timer, due in
                    self.update { state in state.timerFired(timer, due: due) }
                }
            }
            group.addTask {
                for await case let error? in self.stopSignal.stream { throw error }
            }
            defer { shutDownQueues() }
            try await group.next()
            shutDownQueues()
            try await group.waitForAll()
        }
    }

    /// Ends ``run()`` once the calls in flight return. Call it after the last ``revoke(_:lost:)``.
    public func stop() {
        stopSignal.continuation.finish()
        shutDownQueues()
    }

    /// Closes every queue's ``BuildManager``.
    public func closeManagers() async {
        for queue in queues.values {
            do { try await queue.manager.close() } catch {
                logger.warning("closing a build manager failed", metadata: ["queue": "\(queue.name)", "error": "\(error)"])
            }
        }
    }

    /// Takes consumed command records, in consumption order. Never waits.
    public func accept(_ records: [CommandRecord]) {
        let partitionCount = commandPartitionCount.load(ordering: .relaxed)
        let decoded = records.map { record in
            let result = decoder.decode(key: record.key, value: record.value)
            let home = homeElsewhere(of: record, result, partitionCount: partitionCount)
            switch result {
            case _ where home != nil: break
            case .success(.trigger): metrics.triggers.increment()
            case .success(.cancel): metrics.cancels.increment()
            case .success(.refresh): metrics.refreshCommands.increment()
            case .failure(let rejection):
                metrics.rejected.increment()
                logger.warning("command rejected to the dead-letter topic", metadata: [
                    "reason": "\(rejection.reason)", "partition": "\(record.partition)", "offset": "\(record.offset)",
                    "requestId": "\(rejection.requestID?.rawValue ?? "-")",
                ])
            }
            return (result, home)
        }
        var ignored: [String] = []
        update(expectedEffects: 2 * records.count) { state in
            for (record, (result, home)) in zip(records, decoded)
            where !state.accept(record, decoded: result, home: home) {
                ignored.append("\(record.partition)@\(record.offset)")
            }
        }
        if !ignored.isEmpty {
            // Never expected: the consumer hands over records only between an assignment and its revocation.
            metrics.ignoredRecords.increment(by: ignored.count)
            logger.warning("command records of partitions this worker does not own were ignored", metadata: ["records": "\(ignored.prefix(20))"])
        }
    }

    /// The home partition of a correctly keyed command consumed off it, where it must be forwarded; `nil` for a
    /// command on its home, a record without a usable request id (handled here: it goes to the dead-letter topic),
    /// and a copy that was forwarded already (handled here rather than passed on again: two workers that disagree on
    /// the partition count, as while partitions are being added, would otherwise forward it back and forth).
    private func homeElsewhere(of record: CommandRecord, _ decoded: Result<BuildCommand, CommandRejection>, partitionCount: Int) -> Int32? {
        guard partitionCount > 0 else { return nil }
        let requestID: RequestID? = switch decoded {
        case .success(let command): command.requestID
        case .failure(let rejection): rejection.requestID
        }
        guard let requestID else { return nil }
        let home = HomePartition.of(requestID, partitionCount: partitionCount)
        guard home != record.partition else { return nil }
        guard !record.isForwarded else {
            metrics.forwardedOffHome.increment()
            logger.warning("a forwarded command is not on its home partition by this worker's partition count; handled here", metadata: [
                "requestId": "\(requestID)", "partition": "\(record.partition)", "home": "\(home)", "partitionCount": "\(partitionCount)",
            ])
            return nil
        }
        return home
    }

    /// Returns once fewer than half of `worker.maxHeldTriggers` triggers wait for a build slot, or after `timeout`.
    ///
    /// The consume loop calls it before asking for more records, so a burst of commands is read only as fast as
    /// builds start instead of tripping the pause at `worker.maxHeldTriggers`: pausing makes librdkafka drop the
    /// partitions' prefetched records, which are then fetched again. The timeout keeps the consumer polling (for
    /// rebalances and `max.poll.interval.ms`) while builds are slow to finish; the pause covers that case.
    public func waitForRoom(upTo timeout: Duration) async {
        guard backedUp.load(ordering: .sequentiallyConsistent) else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.parkUntilRoom() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func parkUntilRoom() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                roomWaiter.withLock { $0 = continuation }
                roomWanted.store(true, ordering: .sequentiallyConsistent)
                if !backedUp.load(ordering: .sequentiallyConsistent) || Task.isCancelled { resumeRoomWaiter() }
            }
        } onCancel: {
            resumeRoomWaiter()
        }
    }

    private func resumeRoomWaiter() {
        roomWanted.store(false, ordering: .sequentiallyConsistent)
        roomWaiter.withLock { waiter in
            defer { waiter = nil }
            return waiter
        }?.resume()
    }

    /// Reads these partitions' state records to their end, rebuilds their builds, republishes each restored
    /// build's last event and resumes polling. Commands of these partitions must come after it returns.
    /// `partitionCount` is the commands topic's: commands off their home partition (``HomePartition``) are forwarded.
    public func assign(_ partitions: [Int32], partitionCount: Int) async throws {
        commandPartitionCount.store(partitionCount, ordering: .relaxed)
        guard !partitions.isEmpty else { return }
        let log = try await transport.readStateLog(partitions: partitions)
        var latest: [Int32: [RequestID: BuildStateRecord]] = [:]
        var invalid = 0
        for entry in log {
            guard let requestID = RequestID(rawValue: String(decoding: entry.key, as: UTF8.self)) else { invalid += 1; continue }
            guard let value = entry.value else {
                latest[entry.partition, default: [:]][requestID] = nil
                continue
            }
            do {
                latest[entry.partition, default: [:]][requestID] = try BuildStateCodec.decode(value)
            } catch {
                invalid += 1
                logger.error("unreadable state record skipped", metadata: ["partition": "\(entry.partition)", "requestId": "\(requestID)", "error": "\(error)"])
            }
        }
        update { state in
            for partition in partitions {
                let records = (latest[partition] ?? [:]).values.sorted { $0.recordedAt < $1.recordedAt }
                state.restore(partition: partition, records: records)
            }
        }
        logger.info("partitions restored", metadata: [
            "partitions": "\(partitions.sorted())", "stateRecords": "\(log.count)",
            "builds": "\(latest.values.reduce(0) { $0 + $1.count })", "invalidRecords": "\(invalid)",
        ])
    }

    /// Stops starting work for these partitions, waits for the calls and records in flight, commits their offsets
    /// unless `lost`, and forgets their builds; the wait and the commit together take at most `timeout`
    /// (`worker.shutdownTimeout` unless given).
    public func revoke(_ partitions: [Int32], lost: Bool, within timeout: Duration? = nil) async {
        guard !partitions.isEmpty else { return }
        let deadline = ContinuousClock.now + (timeout ?? settings.shutdownTimeout)
        update { state in
            for partition in partitions { state.beginRevoke(partition: partition) }
        }
        await waitForState(upTo: deadline - ContinuousClock.now) { state in !partitions.contains { state.isBusy(partition: $0) } }
        var offsets: [String] = []
        update { state in
            for partition in partitions.sorted() {
                if let table = state.partitions[partition] { offsets.append("\(partition): \(table.offsets.summary)") }
                state.endRevoke(partition: partition)
            }
        }
        if !lost {
            do { try await transport.commitProcessed(within: deadline.timeLeft(atLeast: Self.shortestCommitWait)) } catch {
                logger.warning("commit on revoke failed", metadata: ["partitions": "\(partitions.sorted())", "error": "\(error)"])
            }
        }
        logger.info("partitions released", metadata: ["partitions": "\(partitions.sorted())", "lost": "\(lost)", "offsets": "\(offsets)"])
    }

    /// A revoke that used its time waiting for work in flight still gives its commit this long.
    static let shortestCommitWait: Duration = .seconds(1)

    /// For a graceful shutdown, once no more commands come: waits up to `worker.shutdownTimeout` for local builds
    /// (``BuildQueue/buildsAreLocal``) to finish, then stops the rest and reports them `failed` (infra).
    public func finishLocalBuilds() async {
        if await waitForState(upTo: settings.shutdownTimeout, until: { $0.unfinishedLocalBuilds == 0 }) { return }
        // A build busy recording or publishing is stopped once it is idle again.
        let stopDeadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < stopDeadline {
            update { state in state.stopLocalBuilds() }
            let finished = await waitForState(upTo: stopDeadline - ContinuousClock.now) { $0.unfinishedLocalBuilds == 0 || $0.hasStoppableLocalBuild }
            if finished, state.withLock({ $0.unfinishedLocalBuilds }) == 0 { return }
        }
    }

    /// The command partitions this worker owns and has restored.
    public var ownedPartitions: [Int32] { state.withLock { $0.partitions.keys.sorted() } }

    /// Status events the broker acknowledged since the engine started (republished ones included).
    public var publishedEventCount: Int { eventsPublished.load(ordering: .relaxed) }

    /// The command partitions are paused: more than `worker.maxHeldTriggers` triggers wait for a build slot.
    public var isPaused: Bool { state.withLock { $0.paused } }

    /// Some owned partitions are being handed over: a revoke waits for their calls and records in flight.
    public var isRevoking: Bool { state.withLock { $0.partitions.values.contains(where: \.revoking) } }

    /// Builds counted against `worker.maxInFlightBuilds`.
    public var buildsInFlight: Int { state.withLock { $0.buildsInFlight } }

    /// Builds of `process` queues (``BuildManagerCapabilities/localBuilds``) that have not finished.
    public var unfinishedLocalBuilds: Int { state.withLock { $0.unfinishedLocalBuilds } }

    /// Every request id this worker owns and remembers, settled ones included (those without their metadata: a
    /// settled build keeps only its id, status and times). The records are copied under the lock and summarised
    /// outside it, so a large answer does not hold up the engine.
    public func summaries() -> [BuildSummary] {
        let snapshot = state.withLock { state in
            state.partitions.values.flatMap { table in table.builds.values.map { (table.partition, $0.record, $0.unencodedEvent) } }
        }
        return snapshot.map { BuildSummary(record: $0.1, partition: $0.0, event: $0.2) }
    }

    /// The summary of `requestID`, when this worker owns its partition and remembers it.
    public func summary(of requestID: RequestID) -> BuildSummary? {
        let found = state.withLock { state -> (Int32, BuildStateRecord, StatusEvent?)? in
            for table in state.partitions.values {
                if let build = table.builds[requestID] { return (table.partition, build.record, build.unencodedEvent) }
            }
            return nil
        }
        return found.map { BuildSummary(record: $0.1, partition: $0.0, event: $0.2) }
    }

    // MARK: Internals

    /// Waits until `condition` holds or `timeout` passed; returns whether it holds.
    @discardableResult
    private func waitForState(upTo timeout: Duration, until condition: @escaping StateWaiters.Condition) async -> Bool {
        if state.withLock({ condition($0) }) { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waiters.wait(for: condition) { self.state.withLock { condition($0) } } }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return state.withLock { condition($0) }
    }

    /// Applies `body` under the lock, then carries out the effects it decided. `expectedEffects` reserves room up
    /// front: a round of acknowledgements makes hundreds, and growing the array copies it each time it doubles.
    private func update(expectedEffects: Int = 0, _ body: (WorkerEngineState) -> Void) {
        let instant = clock.read()
        let (effects, fatal, isBackedUp, inFlight, satisfied) = state.withLock { state in
            state.advance(to: instant)
            body(state)
            state.releaseSlots()
            #if DEBUG
            let violations = state.invariantViolations()
            assert(violations.isEmpty, "the engine's invariants broke: \(violations)")
            #endif
            return (state.takeEffects(reservingCapacity: expectedEffects), state.storageFailure, state.isBackedUp, state.buildsInFlight,
                    waiters.satisfied(by: state))
        }
        for waiter in satisfied { waiter.resume() }
        metrics.buildsInFlight.record(inFlight)
        backedUp.store(isBackedUp, ordering: .sequentiallyConsistent)
        if !isBackedUp, roomWanted.load(ordering: .sequentiallyConsistent) { resumeRoomWaiter() }
        if let fatal {
            logger.critical("a record could not be stored; the worker stops", metadata: ["error": "\(fatal)"])
            stopSignal.continuation.yield(fatal)
        }
        execute(effects)
    }

    private func execute(_ effects: [EngineEffect]) {
        var processed: [Int32: Int64] = [:]
        defer { if !processed.isEmpty { transport.commandsProcessed(processed) } }
        for effect in effects {
            switch effect {
            case .call(let call):
                if call.operation.isPoll { statusCalls.put(call) } else { commandCalls.put(call) }
            case .appendState(let draft, let build):
                let (record, event) = draft.encode(with: encoder)
                transport.appendState(record) { error in self.completed(.stateAppended(build, event: event, error: error)) }
            case .appendTombstone(let build):
                let record = StateLogRecord(partition: build.partition, key: Array(build.requestID.rawValue.utf8), value: nil)
                transport.appendState(record) { error in self.completed(.tombstoneAppended(build, error: error)) }
            case .publishStatus(let record, let build, let transition):
                transport.publishStatus(record) { error in
                    if error == nil {
                        self.eventsPublished.add(1, ordering: .relaxed)
                        self.metrics.eventsPublished.increment()
                        if let transition { self.metrics.transitions[transition]?.increment() }
                    }
                    self.completed(.statusPublished(build, error: error))
                }
            case .publishDeadLetter(let record, let epoch, let requestID):
                transport.publishDeadLetter(record) { error in
                    if error == nil { self.metrics.deadLetters.increment() }
                    self.completed(.deadLettered(
                        partition: record.source.partition, epoch: epoch, requestID: requestID, offset: record.source.offset, error: error))
                }
            case .forwardCommand(let record, let home, let epoch):
                logFirstForward(record, to: home)
                transport.forwardCommand(record, to: home) { error in
                    if error == nil { self.metrics.forwarded.increment() }
                    self.completed(.commandForwarded(partition: record.partition, epoch: epoch, offset: record.offset, error: error))
                }
            case .commandsProcessed(let partition, let nextOffset):
                processed[partition] = max(nextOffset, processed[partition] ?? nextOffset)
            case .schedule(let timer, let delay):
                switch timer {
                case .retryTrigger: metrics.retries["trigger"]?.increment()
                case .retryCancel: metrics.retries["cancel"]?.increment()
                case .poll, .forget, .batchPoll: break
                }
                timers.schedule(timer, after: delay)
            case .refreshed(let outcome):
                metrics.refreshes[outcome]?.increment()
            case .pause(let partitions):
                logger.info("pausing command partitions: too many triggers wait for a build slot", metadata: ["partitions": "\(partitions)"])
                transport.pause(partitions: partitions)
            case .resume(let partitions):
                logger.info("resuming command partitions", metadata: ["partitions": "\(partitions)"])
                transport.resume(partitions: partitions)
            case .note(let note):
                log(note)
            }
        }
    }

    private func log(_ note: EngineNote) {
        switch note {
        case .triggered(let requestID, let queue, let buildID):
            logger.info("build triggered", metadata: ["requestId": "\(requestID)", "queue": "\(queue)", "buildId": "\(buildID)"])
        case .cancelAccepted(let requestID, let queue, let buildID, let reason):
            var metadata: Logger.Metadata = ["requestId": "\(requestID)", "queue": "\(queue)"]
            if let buildID { metadata["buildId"] = "\(buildID)" }
            if let reason { metadata["reason"] = "\(reason)" }
            logger.info("cancel accepted", metadata: metadata)
        case .conflictingTrigger(let requestID, let queue, let knownQueue):
            metrics.conflictingTriggers.increment()
            logger.warning("a trigger repeats a known request id with different content: ignored (a request id names one build; use a new id for new content)", metadata: [
                "requestId": "\(requestID)", "queue": "\(queue)", "knownQueue": "\(knownQueue)",
            ])
        }
    }

    /// Logs the first command forwarded from each partition, with the advice that saves the hop.
    private func logFirstForward(_ record: CommandRecord, to home: Int32) {
        guard forwardsLogged.withLock({ $0.insert(record.partition).inserted }) else { return }
        logger.info("commands arrive off their home partition and are forwarded there (one more hop and record each); produce them keyed by requestId with murmur2 partitioning (librdkafka, kcat, confluent-kafka: partitioner=murmur2_random; the Java clients' default)", metadata: [
            "partition": "\(record.partition)", "offset": "\(record.offset)", "home": "\(home)",
            "requestId": "\(record.key.map { String(decoding: $0, as: UTF8.self) } ?? "-")",
        ])
    }

    private func completed(_ completion: TransportCompletion) {
        let atOnce = round.withLock { round in
            if !round.firstApplied {
                round.firstApplied = true
                return true
            }
            round.pending.append(completion)
            return false
        }
        if atOnce { update { state in state.completed(completion) } }
    }

    /// Applies the rest of the round that just ended, under one lock.
    private func applyCompletions() {
        var pending: [TransportCompletion] = []
        round.withLock { round in
            round.firstApplied = false
            swap(&round.pending, &pending)
        }
        guard !pending.isEmpty else { return }
        update(expectedEffects: 2 * pending.count) { state in
            for completion in pending { state.completed(completion) }
        }
    }

    /// Applies a provider call's outcome. A provider task that finds another one applying hands its outcome over
    /// and goes on to its next call, instead of sleeping on the engine's lock; the applying task takes everything
    /// handed over meanwhile, a batch per lock, until none is left (flat combining). No outcome is left behind: the
    /// applier gives up its role only under the hand-over lock, when it finds the list empty. One build has at most
    /// one call in flight, so batching never reorders a build's outcomes.
    private func finish(_ outcome: ProviderCallOutcome) {
        let applies = outcomes.withLock { outcomes in
            outcomes.pending.append(outcome)
            if outcomes.applying { return false }
            outcomes.applying = true
            return true
        }
        guard applies else { return }
        var batch: [ProviderCallOutcome] = []
        while true {
            outcomes.withLock { outcomes in
                swap(&outcomes.pending, &batch)
                if batch.isEmpty { outcomes.applying = false }
            }
            guard !batch.isEmpty else { return }
            update(expectedEffects: 2 * batch.count) { state in
                for outcome in batch { state.apply(outcome) }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Provider calls a serving task makes before it yields: with a backlog and providers that answer at once
    /// (`noop`), `take()` and the call never suspend, and the task would otherwise keep its thread, starving the
    /// consume loop and the other tasks until the backlog is gone.
    private static let callsPerTurn = 16

    private func serveCalls(from calls: WorkQueue<ProviderCall>) async {
        var callsThisTurn = 0
        while let call = await calls.take() {
            callsThisTurn += 1
            if callsThisTurn == Self.callsPerTurn {
                callsThisTurn = 0
                await Task.yield()
            }
            if let due = call.due { metrics.recordPollLag(ContinuousClock.now - due) }
            let manager = call.queue.manager
            switch call.operation {
            case .trigger(let request):
                let result = await perform(call) { try await manager.trigger(request) }
                finish(.trigger(call.build, result))
            case .status(let buildID):
                let result = await perform(call) { try await manager.status(buildID) }
                finish(.status(call.build, result))
            case .statuses(let polls):
                let result = await perform(call) { try await manager.statuses(of: polls.map(\.buildID)) }
                finish(.statuses(polls, result))
            case .cancel(let buildID):
                let result = await perform(call) { try await manager.cancel(buildID) }
                finish(.cancel(call.build, result))
            case .abandon(let buildID):
                _ = await perform(call) { try await manager.cancel(buildID) }
            }
        }
    }

    /// Makes one provider call in a span (swift-distributed-tracing) whose context says which build it is for
    /// (``ProviderCallContext``: its trace, and the ids every log line during the call carries); times it for the
    /// metrics and logs its failure.
    private func perform<Value: Sendable>(_ call: ProviderCall, _ body: @Sendable () async throws -> Value) async -> Result<Value, any Error> {
        var context = ServiceContext.current ?? .topLevel
        context.providerCall = ProviderCallContext(
            requestID: call.build.requestID, queue: call.queue.name, provider: call.queue.provider, buildID: call.operation.buildID,
            traceparent: call.traceparent, isPoll: call.operation.isPoll)
        if !(InstrumentationSystem.tracer is NoOpTracer) {
            InstrumentationSystem.instrument.extract(call.traceparent, into: &context, using: TraceParentExtractor())
        }
        let started = ContinuousClock.now
        let result = await withSpan("buildrelay.\(call.operation.name)", context: context, ofKind: .client) { span -> Result<Value, any Error> in
            if span.isRecording {
                span.attributes["buildrelay.request_id"] = call.build.requestID.rawValue
                span.attributes["buildrelay.queue"] = call.queue.name
                span.attributes["buildrelay.provider"] = call.queue.provider
            }
            do {
                return .success(try await body())
            } catch {
                span.recordError(error)
                return .failure(error)
            }
        }
        if case .failure(let error) = result { log("\(call.operation.name) failed", error, call) }
        metrics.recordCall(call, duration: ContinuousClock.now - started, failed: (try? result.get()) == nil)
        return result
    }

    private func log(_ message: Logger.Message, _ error: any Error, _ call: ProviderCall) {
        var metadata: Logger.Metadata = [
            "requestId": "\(call.build.requestID)", "queue": "\(call.queue.name)", "provider": "\(call.queue.provider)",
            "error": "\(BuildErrorClassifier.classify(error))",
        ]
        if let build = call.operation.buildID { metadata["buildId"] = "\(build)" }
        logger.warning(message, metadata: metadata)
    }

    private func shutDownQueues() {
        commandCalls.close()
        statusCalls.close()
        timers.stop()
    }
}
