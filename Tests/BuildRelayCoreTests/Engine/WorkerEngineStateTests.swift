@testable import BuildRelayCore
import Testing

/// The engine's rules (``WorkerEngineState``), one transition at a time, without Kafka, threads or real time.
@Suite("The engine's state machine")
struct WorkerEngineStateTests {
    static let unavailable = BuildError(code: .providerError, kind: .dependency, isRetryable: true, message: "503 Service Unavailable")
    static let refused = BuildError(code: .providerError, kind: .user, isRetryable: false, message: "401 Unauthorized")

    /// A build through trigger and two polls to `succeeded`, every answer and acknowledgement given in turn.
    @Test("a trigger is called, recorded, then published; polls follow it to its end; its offset commits with its record")
    func triggerToSuccess() {
        let sim = EngineSimulator()
        sim.assign()
        sim.trigger("a")
        #expect(sim.pendingCalls == ["trigger a"])
        sim.answer("trigger", "a", .success(.done))
        #expect(sim.events.isEmpty && sim.committed.isEmpty, "nothing is published or committed before the record is stored")
        sim.acknowledgeNext()
        #expect(sim.committed[0] == 1)
        #expect(sim.events.isEmpty, "the event waits for its record")
        sim.acknowledgeNext()
        #expect(sim.statuses(of: "a") == ["accepted"])
        #expect(sim.scheduled.map(\.0) == ["poll a"])

        sim.advance(by: .seconds(2))
        sim.answer("status", "a", .success(.status(.running)))
        sim.acknowledgeAll()
        sim.advance(by: .seconds(2))
        sim.answer("status", "a", .success(.status(.running)))
        #expect(sim.writes.isEmpty, "an unchanged status records nothing")
        sim.advance(by: .seconds(2))
        sim.answer("status", "a", .success(.status(.succeeded)))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted", "running", "succeeded"])
        #expect(sim.events.map(\.sequence) == [1, 2, 3])
        #expect(sim.state.buildsInFlight == 0)
        #expect(sim.scheduled.map(\.0) == ["forget a"])
    }

    @Test("a trigger beyond worker.maxInFlightBuilds is held until a slot frees; enough held triggers pause the partitions")
    func heldTriggers() {
        let sim = EngineSimulator(settings: EngineSimulator.settings { $0.maxInFlightBuilds = 1; $0.maxHeldTriggers = 2 })
        sim.assign()
        for id in ["a", "b", "c"] { sim.trigger(id) }
        #expect(sim.pendingCalls == ["trigger a"])
        #expect(sim.paused.isEmpty)
        sim.trigger("d")
        #expect(sim.paused == [0], "three held triggers are more than worker.maxHeldTriggers")
        sim.answer("trigger", "a", .success(.status(.succeeded)))
        #expect(sim.pendingCalls == ["trigger b"], "a's slot went to the oldest held trigger")
        #expect(sim.paused.isEmpty)
        sim.acknowledgeAll()
        #expect(sim.committed[0] == 1, "b, c and d are not processed yet")
        sim.answer("trigger", "b", .success(.status(.failed)))
        sim.answer("trigger", "c", .success(.status(.succeeded)))
        sim.answer("trigger", "d", .success(.status(.succeeded)))
        sim.acknowledgeAll()
        #expect(sim.committed[0] == 4)
        #expect(sim.statuses(of: "b") == ["failed"])
    }

    @Test("a cancel before its trigger is recorded without an event; the trigger then reports cancelled and calls nothing")
    func cancelBeforeTrigger() {
        let sim = EngineSimulator()
        sim.assign()
        sim.cancel("a", reason: "superseded")
        sim.acknowledgeAll()
        #expect(sim.events.isEmpty)
        #expect(sim.committed[0] == 1)
        #expect(sim.stateLog.count == 1)
        sim.trigger("a")
        sim.acknowledgeAll()
        #expect(sim.pendingCalls.isEmpty)
        #expect(sim.statuses(of: "a") == ["cancelled"])
        #expect(sim.events.map(\.sequence) == [1])
        #expect(sim.events.last?.metadata["cancelReason"] == "superseded", "the reason outlives the trigger's metadata")
        #expect(sim.committed[0] == 2)
    }

    @Test("a cancel of a held trigger reports cancelled at once and completes both commands")
    func cancelOfHeldTrigger() {
        let sim = EngineSimulator(settings: EngineSimulator.settings { $0.maxInFlightBuilds = 1 })
        sim.assign()
        sim.trigger("a")
        sim.trigger("b")
        sim.cancel("b")
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "b") == ["cancelled"])
        #expect(sim.pendingCalls == ["trigger a"], "b never started")
        #expect(sim.committed[0] == nil, "a's trigger, at offset 0, is not processed yet")
        sim.answer("trigger", "a", .success(.done))
        sim.acknowledgeAll()
        #expect(sim.committed[0] == 3)
    }

    @Test("a cancel of a running build is recorded, then called; the cancelled status comes from the next poll")
    func cancelOfRunningBuild() {
        let sim = EngineSimulator()
        sim.assign()
        sim.trigger("a")
        sim.answer("trigger", "a", .success(.done))
        sim.acknowledgeAll()
        sim.cancel("a", reason: "a newer change")
        #expect(sim.pendingCalls.isEmpty, "the cancel is recorded before the provider hears of it")
        sim.acknowledgeNext()
        #expect(sim.committed[0] == 2)
        #expect(sim.pendingCalls == ["cancel a"])
        sim.answer("cancel", "a", .success(.done))
        sim.advance(by: .seconds(2))
        sim.answer("status", "a", .success(.status(.cancelled)))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted", "cancelled"])
        #expect(sim.events.last?.metadata["cancelReason"] == "a newer change")
    }

    @Test("a build cancelled outside BuildRelay is failed (dependency), not cancelled")
    func cancelledOutside() {
        let sim = EngineSimulator()
        sim.assign()
        sim.startBuild("a")
        sim.advance(by: .seconds(2))
        sim.answer("status", "a", .success(.status(.cancelled)))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted", "failed"])
        #expect(sim.events.last?.error?.hasPrefix("dependency:") == true)
    }

    @Test("a retryable trigger failure is retried after a jittered exponential backoff, up to worker.retry.maxAttempts")
    func triggerRetries() {
        let sim = EngineSimulator()
        sim.assign()
        sim.trigger("a")
        sim.answer("trigger", "a", .failure(Self.unavailable))
        let first = try! #require(sim.scheduled.first)
        #expect(first.0 == "retryTrigger a")
        #expect(first.1 >= .seconds(1) && first.1 <= .seconds(2), "initialBackoff 2 s, equal jitter")
        sim.advance(by: first.1 - .milliseconds(1))
        #expect(sim.pendingCalls.isEmpty)
        sim.advance(by: .milliseconds(1))
        #expect(sim.pendingCalls == ["trigger a"])
        sim.answer("trigger", "a", .failure(Self.unavailable))
        let second = try! #require(sim.scheduled.first)
        #expect(second.1 >= .seconds(2) && second.1 <= .seconds(4))
        sim.advance(by: second.1)
        sim.answer("trigger", "a", .failure(Self.unavailable))
        #expect(sim.scheduled.isEmpty, "three attempts in all")
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["failed"])
        #expect(sim.events.last?.error == "dependency: trigger failed 3 times: 503 Service Unavailable")
        #expect(sim.committed[0] == 1)
        #expect(sim.state.buildsInFlight == 0)
    }

    @Test("no retry starts after worker.retry.maxElapsed on the monotonic clock; a non-retryable failure fails at once")
    func retryBudgetAndFatalFailure() {
        let sim = EngineSimulator(settings: EngineSimulator.settings { $0.retry.maxAttempts = 10; $0.retry.maxElapsed = .seconds(5) })
        sim.assign()
        sim.trigger("slow")
        sim.answer("trigger", "slow", .failure(Self.unavailable))
        sim.advance(by: .seconds(10))  // the retry starts within 2 s and its answer comes 8 s later
        sim.answer("trigger", "slow", .failure(Self.unavailable))
        sim.trigger("refused")
        sim.answer("trigger", "refused", .failure(Self.refused))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "slow") == ["failed"])
        #expect(sim.events.first { $0.requestID == "slow" }?.error == "dependency: trigger failed 2 times: 503 Service Unavailable")
        #expect(sim.statuses(of: "refused") == ["failed"])
        #expect(sim.events.first { $0.requestID == "refused" }?.error == "user: 401 Unauthorized")
    }

    @Test("failing status polls back off and give up as failed, asking the provider to cancel")
    func statusRetries() {
        let sim = EngineSimulator()
        sim.assign()
        sim.trigger("a")
        sim.answer("trigger", "a", .success(.done))
        sim.acknowledgeAll()
        for _ in 1...3 {
            sim.advance(by: .seconds(8))
            sim.answer("status", "a", .failure(Self.unavailable))
        }
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted", "failed"])
        #expect(sim.events.last?.error == "dependency: status failed 3 times: 503 Service Unavailable")
        #expect(sim.abandoned == [BuildID("build-a")])
    }

    @Test("a build running past worker.maxBuildDuration fails (infra) at its next poll and is cancelled")
    func maximumDuration() {
        let sim = EngineSimulator(settings: EngineSimulator.settings { $0.maxBuildDuration = .seconds(10) })
        sim.assign()
        sim.trigger("a")
        sim.answer("trigger", "a", .success(.done))
        sim.acknowledgeAll()
        sim.advance(by: .seconds(11))
        sim.answer("status", "a", .success(.status(.running)))
        sim.acknowledgeAll()
        #expect(sim.abandoned.isEmpty)
        sim.advance(by: .seconds(2))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted", "running", "failed"])
        #expect(sim.events.last?.error?.hasPrefix("infra: the build ran longer than worker.maxBuildDuration") == true)
        #expect(sim.abandoned == [BuildID("build-a")])
        #expect(sim.pendingCalls.isEmpty)
    }

    @Test("a provider's own reason for a failure (a build that could not start) is the event's error, not the user's")
    func providerReportedFailure() {
        let sim = EngineSimulator()
        sim.assign()
        sim.startBuild("a")
        sim.advance(by: .seconds(2))
        let cannotStart = BuildError(code: .providerConfiguration, kind: .infra, isRetryable: false, message: "could not start ./ci.sh: not found")
        sim.answer("status", "a", .success(.failed(cannotStart)))
        sim.acknowledgeAll()
        #expect(sim.events.last?.error == "infra: could not start ./ci.sh: not found")
        sim.startBuild("b")
        sim.advance(by: .seconds(2))
        sim.answer("status", "b", .success(.status(.failed)))
        sim.acknowledgeAll()
        #expect(sim.events.last?.error?.hasPrefix("user:") == true, "without a reason, a failed build is the user's")
    }

    @Test("triggers and cancels are noted for the log; a repeated trigger with other content is noted as conflicting, an identical one is not")
    func notes() {
        let sim = EngineSimulator()
        sim.assign()
        sim.startBuild("a")
        sim.trigger("a")
        sim.consume(#"{"type":"trigger","requestId":"a","queue":"q","changes":[{"uris":["https://example.com/other.diff"]}]}"#, key: "a")
        sim.cancel("a", reason: "superseded")
        sim.acknowledgeAll()
        let described = sim.notes.map { note -> String in
            switch note {
            case .triggered(let id, let queue, let build): "triggered \(id) \(queue) \(build)"
            case .cancelAccepted(let id, let queue, let build, let reason): "cancel \(id) \(queue) \(build.map(\.rawValue) ?? "-") \(reason ?? "-")"
            case .conflictingTrigger(let id, let queue, _): "conflicting \(id) \(queue)"
            }
        }
        #expect(described == ["triggered a q build-a", "conflicting a q", "cancel a q build-a superseded"])
    }

    @Test("a trigger for an unconfigured queue fails (user) without a call")
    func unknownQueue() {
        let sim = EngineSimulator()
        sim.assign()
        sim.trigger("a", queue: "nope")
        sim.acknowledgeAll()
        #expect(sim.pendingCalls.isEmpty)
        #expect(sim.events.map(\.error) == [#"user: queue "nope" is not configured"#])
    }

    @Test("a bad command for an unknown id is dead-lettered, then answered failed; for a known id it is only dead-lettered")
    func badCommands() {
        let sim = EngineSimulator()
        sim.assign()
        sim.consume(#"{"type":"trigger","requestId":"bad","queue":"q","changes":"none"}"#, key: "bad")
        #expect(sim.writes.count == 1)
        sim.acknowledgeNext()
        #expect(sim.deadLetters.count == 1)
        #expect(sim.committed[0] == nil, "the offset waits for the failed event's record")
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "bad") == ["failed"])
        #expect(sim.events.last?.error?.hasPrefix("user: invalid command:") == true)
        #expect(sim.committed[0] == 1)

        sim.trigger("a")
        sim.answer("trigger", "a", .success(.done))
        sim.acknowledgeAll()
        sim.consume(#"{"type":"cancel","requestId":"a","reason":42}"#, key: "a")
        sim.consume("not json", key: "x")
        sim.acknowledgeAll()
        #expect(sim.deadLetters.count == 3)
        #expect(sim.statuses(of: "a") == ["accepted"], "a's build goes on")
        #expect(sim.events.count == 2)
        #expect(sim.committed[0] == 4)
    }

    @Test("a refresh polls now, skips a build already in the observed status, coalesces with a call in flight, waits out a busy build and ignores unknown and settled ones; it commits at once")
    func refreshes() {
        let sim = EngineSimulator(settings: EngineSimulator.settings { $0.pollIntervals = PollIntervals(accepted: .seconds(60), running: .seconds(60)) })
        sim.assign()
        sim.refresh("unknown")
        #expect(sim.refreshes == [.ignored])
        #expect(sim.committed[0] == 1)
        sim.trigger("a")
        sim.refresh("a")
        #expect(sim.refreshes.last == .deferred, "the trigger is in flight")
        sim.answer("trigger", "a", .success(.done))
        sim.acknowledgeAll()
        sim.advance(by: .zero)
        #expect(sim.pendingCalls == ["status a"], "the deferred refresh made the first poll immediate, not 60 s away")
        sim.answer("status", "a", .success(.status(.accepted)))
        sim.refresh("a", observed: .accepted)
        #expect(sim.refreshes.last == .unchanged)
        #expect(sim.pendingCalls.isEmpty)
        sim.refresh("a", observed: .running)
        #expect(sim.refreshes.last == .polled)
        sim.advance(by: .zero)
        #expect(sim.pendingCalls == ["status a"])
        sim.refresh("a", observed: .running)
        #expect(sim.refreshes.last == .coalesced)
        sim.answer("status", "a", .success(.status(.running)))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted", "running"])
        sim.advance(by: .seconds(70))
        #expect(sim.pendingCalls == ["status a"], "the polls a refresh replaced do not run")
        sim.answer("status", "a", .success(.status(.succeeded)))
        sim.acknowledgeAll()
        sim.refresh("a", observed: .succeeded)
        sim.refresh("a")
        #expect(sim.refreshes.suffix(2) == [.ignored, .ignored])
        #expect(sim.committed[0] == sim.consumedCount())
    }

    @Test("a refresh during a status call made before the change it reports polls again as soon as that call returns the older status")
    func refreshDuringAStaleCall() {
        let sim = EngineSimulator(settings: EngineSimulator.settings { $0.pollIntervals = PollIntervals(accepted: .seconds(60), running: .seconds(60)) })
        sim.assign()
        sim.startBuild("a")
        sim.advance(by: .seconds(61))
        #expect(sim.pendingCalls == ["status a"])
        sim.refresh("a", observed: .running)
        #expect(sim.refreshes.last == .coalesced)
        sim.answer("status", "a", .success(.status(.accepted)))
        sim.advance(by: .zero)
        #expect(sim.pendingCalls == ["status a"], "polled again at once, not 60 s later")
        sim.answer("status", "a", .success(.status(.running)))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted", "running"])
    }

    @Test("for a manager that looks earlier builds up, a first attempt is recorded, then made without the look-up; a retry and a takeover look up")
    func recordedTriggerAttempts() {
        let sim = EngineSimulator(queues: ["q"], lookupQueues: ["vendor"])
        sim.assign()
        sim.trigger("a", queue: "vendor")
        #expect(sim.pendingCalls.isEmpty, "the attempt is recorded before the call")
        sim.acknowledgeNext()
        #expect(sim.pendingTrigger("a")?.mayHaveStarted == false)
        #expect(sim.committed[0] == nil, "the trigger is processed once the build is accepted")
        sim.answer("trigger", "a", .failure(Self.unavailable))
        sim.advance(by: .seconds(3))
        #expect(sim.pendingTrigger("a")?.mayHaveStarted == true, "a retry may find the build the first attempt started")
        sim.answer("trigger", "a", .success(.done))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted"])
        #expect(sim.committed[0] == 1)

        sim.trigger("b", queue: "vendor")
        sim.acknowledgeNext()
        #expect(sim.pendingTrigger("b")?.mayHaveStarted == false)
        sim.handOver(crash: 0) { _ in .success(.done) }
        #expect(sim.pendingTrigger("b")?.mayHaveStarted == true, "the next owner restored the attempt and looks up")
        sim.answer("trigger", "b", .success(.done))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "b") == ["accepted"])
        #expect(sim.committed[0] == 2)

        sim.trigger("c")
        #expect(sim.pendingTrigger("c")?.mayHaveStarted == true, "a manager that does not look up is called at once")
    }

    @Test("a batch-status queue's polls falling due together are one read; a build it does not report is polled on its own")
    func batchedPolls() {
        let sim = EngineSimulator(queues: [], batchQueues: ["vendor"])
        sim.assign()
        for id in ["a", "b", "c"] {
            sim.trigger(id, queue: "vendor")
            sim.answer("trigger", id, .success(.done))
        }
        sim.acknowledgeAll()
        sim.advance(by: .seconds(2))
        #expect(sim.pendingBatches.map(Set.init) == [["a", "b", "c"]], "one read for the three")
        sim.answerBatch(["a": .running, "b": .succeeded])
        #expect(sim.pendingCalls == ["status c"], "c was not in the listing: asked on its own")
        sim.answer("status", "c", .success(.status(.running)))
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "a") == ["accepted", "running"])
        #expect(sim.statuses(of: "b") == ["accepted", "succeeded"])
        #expect(sim.statuses(of: "c") == ["accepted", "running"])
        sim.advance(by: .seconds(2))
        #expect(sim.pendingBatches.map(Set.init) == [["a", "c"]], "b is finished; the others' next polls are read together again")
        sim.answerBatch(["a": .running, "c": .running])
        sim.refresh("a", observed: .succeeded)
        sim.advance(by: .zero)
        #expect(sim.pendingCalls == ["status a"], "a refresh's poll is made at once and on its own, not gathered")
        #expect(sim.pendingBatches.isEmpty)
    }

    @Test("a command off its home partition is forwarded; its offset commits once the copy is stored")
    func forwarding() {
        let sim = EngineSimulator()
        sim.assign()
        sim.consume(#"{"type":"cancel","requestId":"a"}"#, key: "a", home: 3)
        #expect(sim.committed[0] == nil)
        sim.acknowledgeAll()
        #expect(sim.forwarded.map(\.partition) == [3])
        #expect(sim.committed[0] == 1)
        #expect(sim.stateLog.isEmpty && sim.events.isEmpty)
    }

    @Test("a repeated trigger of a finished request is a no-op; after worker.requestRetention the id is forgotten with a tombstone")
    func retentionAndTombstones() {
        let sim = EngineSimulator()
        sim.assign()
        sim.trigger("a")
        sim.answer("trigger", "a", .success(.status(.succeeded)))
        sim.acknowledgeAll()
        sim.trigger("a")
        sim.acknowledgeAll()
        #expect(sim.pendingCalls.isEmpty)
        #expect(sim.events.count == 1)
        #expect(sim.committed[0] == 2)
        sim.advance(by: .seconds(86_400))
        sim.acknowledgeAll()
        #expect(sim.stateLog.last.map { $0.value == nil } == true, "a tombstone")
        sim.trigger("a")
        #expect(sim.pendingCalls == ["trigger a"], "a forgotten id starts a new build")
    }

    @Test("a restore republishes recent and unfinished builds' last events, tombstones expired ones, resumes polls and cancels, and fails builds of removed queues")
    func restore() {
        let sim = EngineSimulator()
        let now = EngineSimulator.startOfTime
        let minute: Int64 = 60_000
        let encoder = StatusEventEncoder(groupID: "test")
        func record(_ id: String, _ status: BuildStatus, sequence: Int, queue: String = "q", settledMinutesAgo: Int64? = nil,
                    recordedMinutesAgo: Int64 = 1, cancelRequested: Bool = false, event: Bool = true) -> BuildStatusRecordFixture {
            BuildStatusRecordFixture(id: id, status: status, sequence: sequence, queue: queue, now: now, minute: minute,
                                     settledMinutesAgo: settledMinutesAgo, recordedMinutesAgo: recordedMinutesAgo,
                                     cancelRequested: cancelRequested, event: event, encoder: encoder)
        }
        let records = [
            record("running", .running, sequence: 2),
            record("done-recently", .succeeded, sequence: 3, settledMinutesAgo: 1),
            record("done-quietly", .succeeded, sequence: 3, settledMinutesAgo: 30, recordedMinutesAgo: 30),
            record("expired", .succeeded, sequence: 3, settledMinutesAgo: 2 * 1440, recordedMinutesAgo: 2 * 1440),
            record("cancelling", .running, sequence: 2, cancelRequested: true),
            record("orphan", .running, sequence: 2, queue: "removed"),
            record("cancelled-early", .unknown, sequence: 0, settledMinutesAgo: 1, cancelRequested: true, event: false),
        ].map(\.record)
        sim.assign(records: records)
        #expect(sim.state.buildsInFlight == 3, "running, cancelling and orphan hold slots")
        sim.acknowledgeAll()
        #expect(Set(sim.events.filter { $0.sequence > 0 }.map(\.description)) == [
            "running#2 running", "done-recently#3 succeeded", "cancelling#2 running", "orphan#2 running", "orphan#3 failed",
        ])
        #expect(sim.events.last?.error?.hasPrefix(#"infra: queue "removed" is no longer configured"#) == true)
        #expect(sim.stateLog.contains { $0.value == nil && $0.key == Array("expired".utf8) })
        #expect(sim.pendingCalls == ["cancel cancelling"])
        #expect(Set(sim.scheduled.map(\.0)) == [
            "poll running", "forget done-recently", "forget done-quietly", "forget cancelled-early", "forget orphan",
        ])
        sim.trigger("cancelled-early")
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "cancelled-early") == ["cancelled"])
    }

    @Test("a revoke waits for calls and records in flight, drops a retryable failure for the next owner, and ignores the old assignment's late answers")
    func revokeMidCall() {
        let sim = EngineSimulator()
        sim.assign()
        sim.trigger("old")
        sim.answer("trigger", "old", .success(.done))
        sim.acknowledgeAll()
        sim.advance(by: .seconds(2))
        #expect(sim.pendingCalls == ["status old"])
        sim.trigger("a")
        sim.trigger("b")
        sim.beginRevoke()
        #expect(sim.isBusy())
        sim.answer("trigger", "a", .success(.done))
        sim.answer("trigger", "b", .failure(Self.unavailable))
        #expect(sim.isBusy(), "a's record is in flight")
        sim.acknowledgeAll()
        #expect(!sim.isBusy())
        #expect(sim.statuses(of: "a") == ["accepted"])
        #expect(sim.statuses(of: "b").isEmpty, "b is left to the next owner, which consumes its trigger again")
        #expect(sim.committed[0] == 2)
        #expect(!sim.scheduled.contains { $0.0.hasPrefix("retry") }, "no retry is scheduled for a partition going away")
        sim.endRevoke()
        #expect(sim.state.buildsInFlight == 0)

        // Assigned again, with a status call of the old assignment still out.
        sim.assign(records: [])
        sim.trigger("c")
        sim.advance(by: .seconds(2))
        sim.answer("status", "old", .success(.status(.succeeded)))
        #expect(sim.writes.isEmpty, "an answer for an earlier assignment changes nothing")
        #expect(sim.pendingCalls == ["trigger c"])
    }

    @Test("a record the broker refuses is a storage failure: the engine stops")
    func storageFailure() {
        struct Refused: Error {}
        let sim = EngineSimulator()
        sim.assign()
        sim.trigger("a")
        sim.answer("trigger", "a", .success(.done))
        sim.acknowledgeNext(error: Refused())
        #expect(sim.state.storageFailure is Refused)
        #expect(sim.events.isEmpty)
        #expect(sim.committed.isEmpty)
        #expect(!sim.isBusy(), "the failed record is no longer in flight")
    }

    @Test("on shutdown, unfinished local builds are reported failed (infra) and stopped; builds elsewhere are left to the next owner")
    func localBuildsOnShutdown() {
        let sim = EngineSimulator(queues: ["q"], localQueues: ["local"])
        sim.assign()
        sim.trigger("here", queue: "local")
        sim.trigger("there")
        sim.answer("trigger", "here", .success(.done))
        sim.answer("trigger", "there", .success(.done))
        sim.acknowledgeAll()
        #expect(sim.state.unfinishedLocalBuilds == 1)
        sim.step { $0.stopLocalBuilds() }
        sim.acknowledgeAll()
        #expect(sim.statuses(of: "here") == ["accepted", "failed"])
        #expect(sim.events.last?.error == "infra: the worker shut down before this local build finished")
        #expect(sim.abandoned == [BuildID("build-here")])
        #expect(sim.statuses(of: "there") == ["accepted"])
        #expect(sim.state.unfinishedLocalBuilds == 0)
    }
}

/// A state record as a restore reads it, `…MinutesAgo` before the simulator's start of time.
struct BuildStatusRecordFixture {
    let record: BuildStateRecord

    init(id: String, status: BuildStatus, sequence: Int, queue: String, now: Int64, minute: Int64, settledMinutesAgo: Int64?,
         recordedMinutesAgo: Int64, cancelRequested: Bool, event: Bool, encoder: StatusEventEncoder) {
        let requestID = RequestID(rawValue: id)!
        let traceparent = TraceParent.random()
        var record = BuildStateRecord(
            requestID: requestID, queue: queue, buildID: sequence > 0 ? BuildID("build-\(id)") : nil, status: status, sequence: sequence,
            cancelRequested: cancelRequested, traceparent: traceparent, triggeredAt: now - 60 * minute,
            settledAt: settledMinutesAgo.map { now - $0 * minute }, recordedAt: now - recordedMinutesAgo * minute)
        if event {
            record.lastEvent = encoder.encode(StatusEvent(
                requestID: requestID, queue: queue, buildID: record.buildID, status: status, previousStatus: .running, sequence: sequence,
                metadata: [:], error: nil, timeMilliseconds: record.recordedAt, traceparent: traceparent))
        }
        self.record = record
    }
}
