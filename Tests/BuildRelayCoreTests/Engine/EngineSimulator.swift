@testable import BuildRelayCore
import Testing

/// Drives a ``WorkerEngineState`` the way ``WorkerEngine`` does, with everything around it simulated in memory:
/// a manual clock, a broker that stores what it is sent and acknowledges when told, provider calls answered when
/// told, and timers that fire as the clock advances. Every step checks the state's invariants.
final class EngineSimulator {
    /// A write the broker has not acknowledged yet.
    enum PendingWrite {
        case state(StateLogRecord, event: EncodedEvent?, build: BuildReference)
        case tombstone(BuildReference)
        case status(StatusRecord, build: BuildReference)
        case deadLetter(DeadLetterRecord, epoch: Int, requestID: RequestID?)
        case forward(CommandRecord, to: Int32, epoch: Int)
    }

    /// A status event as published, for assertions.
    struct Event: Equatable, CustomStringConvertible {
        var requestID: String
        var status: String
        var sequence: Int
        /// The error's `kind` and `message`, for a `failed` event.
        var error: String?
        var metadata: [String: String] = [:]
        var bytes: [UInt8]
        var description: String { "\(requestID)#\(sequence) \(status)" }
    }

    static let commandsTopic = "build.commands"
    static let startOfTime: Int64 = 1_796_000_000_000

    let state: WorkerEngineState
    private let encoder = StatusEventEncoder(groupID: "test")
    private let decoder = CommandDecoder()
    private(set) var clock = EngineInstant(wallMilliseconds: startOfTime, monotonic: .zero)

    private(set) var calls: [ProviderCall] = []
    private(set) var writes: [PendingWrite] = []
    private var timers: [(due: Duration, order: Int, timer: WorkerTimer)] = []
    private var timerOrder = 0
    private var nextOffsets: [Int32: Int64] = [:]
    /// Every command record consumed, per partition: the commands topic, for redelivery after a handover.
    private var commandLog: [Int32: [CommandRecord]] = [:]

    /// What the broker stored, in order.
    private(set) var stateLog: [StateLogRecord] = []
    private(set) var events: [Event] = []
    private(set) var deadLetters: [DeadLetterRecord] = []
    private(set) var forwarded: [(record: CommandRecord, partition: Int32)] = []
    /// The next offset to commit, per command partition.
    private(set) var committed: [Int32: Int64] = [:]
    private(set) var paused: Set<Int32> = []
    /// What each refresh led to, in order.
    private(set) var refreshes: [RefreshOutcome] = []
    /// What the engine asked to be logged, in order.
    private(set) var notes: [EngineNote] = []
    /// Abandoned builds: cancels whose outcome is not applied.
    private(set) var abandoned: [BuildID] = []

    /// A simulator whose queues (all of them `q` unless named) never see a call: the simulator answers for them.
    /// `seed` draws the jitter of polls and backoffs.
    /// `localQueues` declare ``BuildManagerCapabilities/localBuilds``, `lookupQueues` ``BuildManagerCapabilities/looksUpEarlierTriggers``,
    /// `batchQueues` ``BuildManagerCapabilities/batchStatus``.
    init(
        settings: WorkerSettings = EngineSimulator.settings(), queues: [String] = ["q"], localQueues: [String] = [], lookupQueues: [String] = [],
        batchQueues: [String] = [], seed: UInt64 = 1
    ) {
        func queue(_ name: String, _ capabilities: BuildManagerCapabilities) -> BuildQueue {
            BuildQueue(name: name, provider: "test", manager: UnusedBuildManager(capabilities: capabilities), pollIntervals: settings.pollIntervals)
        }
        let all = queues.map { queue($0, []) } + localQueues.map { queue($0, .localBuilds) } + lookupQueues.map { queue($0, .looksUpEarlierTriggers) }
            + batchQueues.map { queue($0, .batchStatus) }
        state = WorkerEngineState(settings: settings, queues: Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) }), seed: seed)
    }

    /// Settings with polls every second (±10 %), retries after 1–2 s, a day's retention and a ten-minute republish window.
    static func settings(_ change: (inout WorkerSettings) -> Void = { _ in }) -> WorkerSettings {
        var settings = WorkerSettings()
        settings.pollIntervals = PollIntervals(accepted: .seconds(1), running: .seconds(1))
        settings.retry = RetryPolicy(maxAttempts: 3, maxElapsed: .seconds(60), initialBackoff: .seconds(2), maxBackoff: .seconds(8))
        settings.requestRetention = .seconds(86_400)
        change(&settings)
        return settings
    }

    // MARK: Steps

    /// Runs one step of the engine: `body` under the simulated lock, then the slots released, the invariants
    /// checked and the effects carried out.
    func step(_ body: (WorkerEngineState) -> Void) {
        state.advance(to: clock)
        body(state)
        state.releaseSlots()
        let violations = state.invariantViolations()
        #expect(violations.isEmpty, "invariants broke: \(violations)")
        for effect in state.takeEffects() { carryOut(effect) }
    }

    private func carryOut(_ effect: EngineEffect) {
        switch effect {
        case .call(let call):
            if case .abandon(let build) = call.operation { abandoned.append(build) } else { calls.append(call) }
        case .appendState(let draft, let build):
            let (record, event) = draft.encode(with: encoder)
            writes.append(.state(record, event: event, build: build))
        case .appendTombstone(let build): writes.append(.tombstone(build))
        case .publishStatus(let record, let build, _): writes.append(.status(record, build: build))
        case .publishDeadLetter(let record, let epoch, let requestID): writes.append(.deadLetter(record, epoch: epoch, requestID: requestID))
        case .forwardCommand(let record, let partition, let epoch): writes.append(.forward(record, to: partition, epoch: epoch))
        case .commandsProcessed(let partition, let next):
            #expect(next > committed[partition] ?? -1, "the committable offset of \(partition) went back")
            committed[partition] = next
        case .schedule(let timer, let delay):
            timers.append((clock.monotonic + max(delay, .zero), timerOrder, timer))
            timerOrder += 1
        case .refreshed(let outcome): refreshes.append(outcome)
        case .note(let note): notes.append(note)
        case .pause(let partitions): paused.formUnion(partitions)
        case .resume(let partitions): paused.subtract(partitions)
        }
    }

    // MARK: Partitions

    /// Assigns `partition`, restoring these records, which the state topic then holds.
    func assign(_ partition: Int32 = 0, records: [BuildStateRecord] = []) {
        stateLog += records.map { StateLogRecord(partition: partition, key: Array($0.requestID.rawValue.utf8), value: BuildStateCodec.encode($0)) }
        step { $0.restore(partition: partition, records: records) }
    }

    func beginRevoke(_ partition: Int32 = 0) { step { $0.beginRevoke(partition: partition) } }
    func endRevoke(_ partition: Int32 = 0) { step { $0.endRevoke(partition: partition) } }
    func isBusy(_ partition: Int32 = 0) -> Bool { state.isBusy(partition: partition) }

    // MARK: Commands

    /// Consumes a command at the partition's next offset; returns the offset.
    @discardableResult
    func consume(_ json: String, key: String, partition: Int32 = 0, home: Int32? = nil) -> Int64 {
        let offset = nextOffsets[partition, default: 0]
        nextOffsets[partition] = offset + 1
        let record = CommandRecord(topic: Self.commandsTopic, partition: partition, offset: offset, key: Array(key.utf8), value: Array(json.utf8))
        commandLog[partition, default: []].append(record)
        deliver(record, home: home)
        return offset
    }

    private func deliver(_ record: CommandRecord, home: Int32? = nil) {
        let decoded = decoder.decode(key: record.key, value: record.value)
        step { #expect($0.accept(record, decoded: decoded, home: home), "the record was ignored") }
    }

    /// The number of command records consumed from `partition` (its end offset).
    func consumedCount(_ partition: Int32 = 0) -> Int64 { nextOffsets[partition, default: 0] }

    /// Hands `partition` over as Kafka would to its next owner (here, the same state machine): revoked, then
    /// restored from the state log and fed again every command from the committed offset on.
    ///
    /// A graceful handover lets the calls and records in flight finish (`answer` answers the provider calls the
    /// revoke waits for). A crash stores a prefix of the partition's unacknowledged writes, `survivingWrites` of
    /// them, and loses the rest with every call and acknowledgement in flight.
    func handOver(_ partition: Int32 = 0, crash survivingWrites: Int? = nil, answering: (ProviderCall) -> Result<ProviderAnswer, any Error>) {
        if let survivingWrites {
            for write in writes.prefix(survivingWrites) { store(write) }
            writes.removeAll()
            calls.removeAll()
            beginRevoke(partition)
        } else {
            beginRevoke(partition)
            var rounds = 0
            while isBusy(partition), rounds < 10_000 {
                rounds += 1
                if acknowledgeNext() { continue }
                guard let call = calls.first(where: { if case .status = $0.operation { false } else { true } }) else { break }
                answer(call.operation.name, call.build.requestID.rawValue, answering(call))
            }
            #expect(!isBusy(partition), "the revoke's work never finished")
        }
        endRevoke(partition)
        let records = restoredRecords(partition)
        step { $0.restore(partition: partition, records: records) }
        let from = committed[partition] ?? 0
        for record in commandLog[partition, default: []] where record.offset >= from { deliver(record) }
    }

    /// The latest state record of each request id in `partition`'s state log, oldest first, as a restore reads them.
    private func restoredRecords(_ partition: Int32) -> [BuildStateRecord] {
        var latest: [[UInt8]: BuildStateRecord] = [:]
        for entry in stateLog where entry.partition == partition {
            if let value = entry.value { latest[entry.key] = try? BuildStateCodec.decode(value) } else { latest[entry.key] = nil }
        }
        return latest.values.sorted { $0.recordedAt < $1.recordedAt }
    }

    @discardableResult
    func trigger(_ id: String, queue: String = "q", partition: Int32 = 0) -> Int64 {
        consume(#"{"type":"trigger","requestId":"\#(id)","queue":"\#(queue)","changes":[{"uris":["https://example.com/\#(id).diff"]}]}"#, key: id, partition: partition)
    }

    @discardableResult
    func cancel(_ id: String, reason: String? = nil, partition: Int32 = 0) -> Int64 {
        let reasonMember = reason.map { #","reason":"\#($0)""# } ?? ""
        return consume(#"{"type":"cancel","requestId":"\#(id)"\#(reasonMember)}"#, key: id, partition: partition)
    }

    @discardableResult
    func refresh(_ id: String, observed: BuildStatus? = nil, partition: Int32 = 0) -> Int64 {
        let status = observed.map { #","observedStatus":"\#($0.rawValue)""# } ?? ""
        return consume(#"{"type":"refresh","requestId":"\#(id)"\#(status)}"#, key: id, partition: partition)
    }

    // MARK: The broker

    /// Acknowledges the oldest unacknowledged write (failing it with `error`); returns `false` if there was none.
    @discardableResult
    func acknowledgeNext(error: (any Error)? = nil) -> Bool {
        guard !writes.isEmpty else { return false }
        let write = writes.removeFirst()
        if error == nil { store(write) }
        step { state in
            switch write {
            case .state(_, let event, let build): state.completed(.stateAppended(build, event: event, error: error))
            case .tombstone(let build): state.completed(.tombstoneAppended(build, error: error))
            case .status(_, let build): state.completed(.statusPublished(build, error: error))
            case .deadLetter(let record, let epoch, let requestID):
                state.completed(.deadLettered(partition: record.source.partition, epoch: epoch, requestID: requestID, offset: record.source.offset, error: error))
            case .forward(let record, _, let epoch):
                state.completed(.commandForwarded(partition: record.partition, epoch: epoch, offset: record.offset, error: error))
            }
        }
        return true
    }

    /// Acknowledges writes, the ones they lead to included, until none is left.
    func acknowledgeAll() {
        while acknowledgeNext() {}
    }

    private func store(_ write: PendingWrite) {
        switch write {
        case .state(let record, _, _): stateLog.append(record)
        case .tombstone(let build):
            stateLog.append(StateLogRecord(partition: build.partition, key: Array(build.requestID.rawValue.utf8), value: nil))
        case .status(let record, _):
            let carrier = stateLog.last { $0.key == record.key }?.value.flatMap { try? BuildStateCodec.decode($0) }
            #expect(carrier?.lastEvent == record.value, "an event was published before the state record carrying it was stored")
            events.append(Self.event(from: record.value))
        case .deadLetter(let record, _, _): deadLetters.append(record)
        case .forward(let record, let partition, _): forwarded.append((record, partition))
        }
    }

    private static func event(from bytes: [UInt8]) -> Event {
        guard case .object(let envelope)? = try? JSONParser.parse(bytes), case .object(let data)? = envelope["data"],
              case .string(let id)? = data["requestId"], case .string(let status)? = data["status"],
              case .number(let sequence)? = data["sequence"] else {
            Issue.record("an unreadable event: \(String(decoding: bytes, as: UTF8.self))")
            return Event(requestID: "?", status: "?", sequence: 0, bytes: bytes)
        }
        var error: String?
        if case .object(let fields)? = data["error"], case .string(let kind)? = fields["kind"], case .string(let message)? = fields["message"] {
            error = "\(kind): \(message)"
        }
        var metadata: [String: String] = [:]
        if case .object(let entries)? = data["metadata"] {
            for (key, value) in entries { if case .string(let text) = value { metadata[key] = text } }
        }
        return Event(requestID: id, status: status, sequence: Int(sequence), error: error, metadata: metadata, bytes: bytes)
    }

    // MARK: The provider

    /// The operations of the calls waiting for an answer, as `trigger a`, `status a`, `cancel a`.
    var pendingCalls: [String] { calls.map { "\($0.operation.name) \($0.build.requestID)" } }

    /// The request ids of each waiting batched status read, oldest first.
    var pendingBatches: [[String]] {
        calls.compactMap { call in
            if case .statuses(let polls) = call.operation { return polls.map(\.build.requestID.rawValue) }
            return nil
        }
    }

    /// Answers the oldest batched read: the reported statuses by request id (the build ids the simulator gave).
    func answerBatch(_ reports: [String: BuildStatus]) {
        guard let index = calls.firstIndex(where: { if case .statuses = $0.operation { true } else { false } }),
              case .statuses(let polls) = calls[index].operation else {
            Issue.record("no batched read is waiting; waiting: \(pendingCalls)")
            return
        }
        calls.remove(at: index)
        var byBuild: [BuildID: BuildStatusReport] = [:]
        for (id, status) in reports { byBuild[BuildID("build-\(id)")] = BuildStatusReport(status: status) }
        step { $0.apply(.statuses(polls, .success(byBuild))) }
    }

    /// The request of the waiting trigger call for `id`.
    func pendingTrigger(_ id: String) -> TriggerRequest? {
        for call in calls where call.build.requestID.rawValue == id {
            if case .trigger(let request) = call.operation { return request }
        }
        return nil
    }

    /// Triggers `id`, answers the call and acknowledges every write: the build is `accepted`, its first poll due.
    func startBuild(_ id: String) {
        trigger(id)
        answer("trigger", id, .success(.done))
        acknowledgeAll()
    }

    /// Answers the oldest call of `operation` (`trigger`, `status` or `cancel`) for `id`.
    func answer(_ operation: String, _ id: String, _ result: Result<ProviderAnswer, any Error>) {
        guard let index = calls.firstIndex(where: { $0.operation.name == operation && $0.build.requestID.rawValue == id }) else {
            Issue.record("no \(operation) call for \(id) is waiting; waiting: \(pendingCalls)")
            return
        }
        let call = calls.remove(at: index)
        let outcome: ProviderCallOutcome = switch call.operation {
        case .trigger: .trigger(call.build, result.map { TriggeredBuild(id: BuildID("build-\(id)"), status: $0.status) })
        case .status: .status(call.build, result.map { BuildStatusReport(status: $0.status, failure: $0.failure) })
        case .cancel, .abandon: .cancel(call.build, result.map { _ in () })
        case .statuses(let polls): .statuses(polls, result.map { [BuildID("build-\(id)"): BuildStatusReport(status: $0.status)] })
        }
        step { $0.apply(outcome) }
    }

    /// What a provider call answers: a status (ignored for `cancel`).
    struct ProviderAnswer {
        var status: BuildStatus
        /// A status report's ``BuildStatusReport/failure``.
        var failure: BuildError?
        static let done = ProviderAnswer(status: .unknown)
        static func status(_ status: BuildStatus) -> ProviderAnswer { ProviderAnswer(status: status) }
        static func failed(_ failure: BuildError) -> ProviderAnswer { ProviderAnswer(status: .failed, failure: failure) }
    }

    // MARK: Time

    /// Advances both clocks by `duration`, firing the timers that fall due, in due order, each at its instant.
    func advance(by duration: Duration) {
        let end = clock.monotonic + duration
        while let next = timers.enumerated().filter({ $0.element.due <= end }).min(by: { ($0.element.due, $0.element.order) < ($1.element.due, $1.element.order) }) {
            timers.remove(at: next.offset)
            move(to: max(next.element.due, clock.monotonic))
            step { $0.timerFired(next.element.timer, due: .now) }
        }
        move(to: end)
    }

    private func move(to monotonic: Duration) {
        let (seconds, attoseconds) = (monotonic - clock.monotonic).components
        clock.wallMilliseconds += seconds * 1000 + attoseconds / 1_000_000_000_000_000
        clock.monotonic = monotonic
    }

    /// Timers waiting, as `poll a`, `retryTrigger a`, …, with how long until they are due.
    var scheduled: [(String, Duration)] {
        timers.sorted { ($0.due, $0.order) < ($1.due, $1.order) }.map { entry in
            let name = switch entry.timer {
            case .poll(let build, _): "poll \(build.requestID)"
            case .retryTrigger(let build): "retryTrigger \(build.requestID)"
            case .retryCancel(let build): "retryCancel \(build.requestID)"
            case .forget(let build): "forget \(build.requestID)"
            case .batchPoll(let queue): "batchPoll \(queue)"
            }
            return (name, entry.due - clock.monotonic)
        }
    }

    /// The events of `id`, as `status` strings.
    func statuses(of id: String) -> [String] { events.filter { $0.requestID == id }.map(\.status) }
}

/// A build manager the simulator answers for: the state machine never calls it.
struct UnusedBuildManager: BuildManager {
    var capabilities: BuildManagerCapabilities = []

    func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild { throw Unused() }
    func status(_ build: BuildID) async throws -> BuildStatusReport { throw Unused() }
    func cancel(_ build: BuildID) async throws { throw Unused() }
    func close() async throws {}

    struct Unused: Error {}
}
