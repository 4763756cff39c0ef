import BuildRelayCore
import BuildRelayTestSupport
import Foundation
import Synchronization
import Testing

/// How the worker classifies and retries provider failures, and when it gives up on a build.
@Suite(.timeLimit(.minutes(2)))
struct ProviderFailureTests {
    static let unavailable = BuildError(code: .providerError, kind: .dependency, isRetryable: true, message: "503 from the provider")
    static let forbidden = BuildError(code: .providerError, kind: .user, isRetryable: false, message: "403: the token may not trigger builds")

    /// A worker whose only queue, `scripted`, is served by `manager`, with fast retries.
    func start(_ harness: WorkerHarness, _ manager: ScriptedBuildManager, settings: @escaping (inout WorkerSettings) -> Void = { _ in }) throws -> RunningWorker {
        try harness.startWorker(harness.configuration(queues: [Self.scriptedQueue(manager)]) { worker in
            worker.retry = RetryPolicy(maxAttempts: 3, maxElapsed: .seconds(30), initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(100))
            settings(&worker)
        })
    }

    static func scriptedQueue(_ manager: ScriptedBuildManager) -> BuildQueue {
        BuildQueue(name: "scripted", provider: "scripted", manager: manager, pollIntervals: PollIntervals(accepted: .milliseconds(50), running: .milliseconds(50)))
    }

    @Test func aRetryableTriggerFailureIsRetriedUntilItSucceeds() async throws {
        let manager = ScriptedBuildManager(triggerError: { _, attempt in attempt < 3 ? Self.unavailable : nil }, status: { _, _ in .succeeded })
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try start(harness, manager)
        try await worker.waitUntilReady()
        try await harness.trigger("req-retried", queue: "scripted")
        let events = try await reader.waitForTerminal("req-retried")
        #expect(events.map(\.status) == ["accepted", "succeeded"])
        #expect(manager.calls.triggers.count == 3)
        await worker.stop()
        await reader.close()
    }

    @Test func aNonRetryableTriggerFailureFailsAtOnceWithItsKind() async throws {
        let manager = ScriptedBuildManager(triggerError: { _, _ in Self.forbidden })
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try start(harness, manager)
        try await worker.waitUntilReady()
        try await harness.trigger("req-forbidden", queue: "scripted")
        let events = try await reader.waitForTerminal("req-forbidden")
        #expect(events.map(\.status) == ["failed"])
        #expect(events.first?.errorKind == "user")
        #expect(manager.calls.triggers.count == 1)
        await worker.stop()
        await reader.close()
    }

    @Test func exhaustedTriggerRetriesFailWithTheLastErrorsKind() async throws {
        let manager = ScriptedBuildManager(triggerError: { _, _ in Self.unavailable })
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try start(harness, manager)
        try await worker.waitUntilReady()
        try await harness.trigger("req-exhausted", queue: "scripted")
        let events = try await reader.waitForTerminal("req-exhausted")
        #expect(events.map(\.status) == ["failed"])
        #expect(events.first?.errorKind == "dependency")
        #expect(manager.calls.triggers.count == 3)
        await worker.stop()
        await reader.close()
    }

    @Test func repeatedStatusFailuresCancelTheBuildAndFailIt() async throws {
        let manager = ScriptedBuildManager(status: { _, _ in throw Self.unavailable })
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try start(harness, manager)
        try await worker.waitUntilReady()
        try await harness.trigger("req-unreachable", queue: "scripted")
        let events = try await reader.waitForTerminal("req-unreachable")
        #expect(events.map(\.status) == ["accepted", "failed"])
        #expect(events.last?.errorKind == "dependency")
        try await waitUntil("the build is cancelled") { manager.calls.cancels == [BuildID("scripted-req-unreachable")] }
        await worker.stop()
        await reader.close()
    }

    @Test func aBuildOverMaxBuildDurationIsCancelledAndFailsAsInfra() async throws {
        // The worker's clock jumps two hours once the provider has answered `running` twice: the build is over
        // `maxBuildDuration` at the next poll, however slow the machine running the test is.
        let skew = Atomic<Int64>(0)
        let manager = ScriptedBuildManager(status: { _, call in
            if call >= 2 { skew.store(2 * 3_600_000, ordering: .relaxed) }
            return .running
        })
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let configuration = harness.configuration(queues: [Self.scriptedQueue(manager)]) { $0.maxBuildDuration = .seconds(3600) }
        let skewed = WorkerClock(
            wallMilliseconds: { WorkerClock.system.wallMilliseconds() + skew.load(ordering: .relaxed) }, monotonic: WorkerClock.system.monotonic)
        let worker = try harness.startWorker(configuration, clock: skewed)
        try await worker.waitUntilReady()
        try await harness.trigger("req-endless", queue: "scripted")
        let events = try await reader.waitForTerminal("req-endless")
        #expect(events.map(\.status) == ["accepted", "running", "failed"])
        #expect(events.last?.errorKind == "infra")
        try await waitUntil("the build is cancelled") { manager.calls.cancels == [BuildID("scripted-req-endless")] }
        await worker.stop()
        await reader.close()
    }

    @Test func aRetryableTriggerFailureDuringARevokeIsLeftToTheNextOwner() async throws {
        // The first trigger call answers only once its worker is handing the partition over, and then with a
        // retryable error: the build must not fail; the partition's next owner triggers it again.
        let first = Mutex<RunningWorker?>(nil)
        let manager = ScriptedBuildManager(
            triggerError: { _, attempt in attempt == 1 ? Self.unavailable : nil },
            triggerGate: { _, attempt in
                guard attempt == 1 else { return }
                while !(first.withLock { $0 }?.worker.engine.isRevoking ?? false) { try? await Task.sleep(for: .milliseconds(10)) }
            },
            status: { _, _ in .succeeded })
        let harness = try WorkerHarness(partitions: 1)
        let reader = try harness.startReader()
        let worker = try start(harness, manager)
        first.withLock { $0 = worker }
        try await worker.waitUntilReady()
        try await harness.trigger("req-handed-over", queue: "scripted")
        try await waitUntil("the trigger is in flight") { manager.calls.triggers.count == 1 }
        let second = try start(harness, manager)
        try await reader.waitForTerminal("req-handed-over", seconds: 90)
        // A rebalance after `accepted` makes the new owner republish it: count each event once.
        #expect(reader.distinctEvents(for: "req-handed-over").map(\.status) == ["accepted", "succeeded"])
        #expect(manager.calls.triggers.count == 2)
        await second.stop()
        await worker.stop()
        await reader.close()
    }

    @Test func aBuildCancelledAtTheProviderWithoutACancelCommandFails() async throws {
        let manager = ScriptedBuildManager(status: { _, call in call < 2 ? .running : .cancelled })
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try start(harness, manager)
        try await worker.waitUntilReady()
        try await harness.trigger("req-aborted", queue: "scripted")
        let events = try await reader.waitForTerminal("req-aborted")
        #expect(events.map(\.status) == ["accepted", "running", "failed"])
        #expect(events.last?.errorKind == "dependency")
        await worker.stop()
        await reader.close()
    }
}

/// At `maxInFlightBuilds` new triggers wait while cancels still apply; past `maxHeldTriggers` waiting triggers the
/// worker pauses its partitions, and resumes when they drain.
@Suite(.timeLimit(.minutes(2)))
struct BackpressureTests {
    @Test func aWaitingTriggerTakesItsCancelAtOnceAndAFreedSlotStartsTheNext() async throws {
        let harness = try WorkerHarness(partitions: 2)
        let reader = try harness.startReader()
        let worker = try harness.startWorker(harness.configuration { settings in
            settings.maxInFlightBuilds = 1
            settings.maxHeldTriggers = 10
        })
        try await worker.waitUntilReady()
        try await harness.trigger("req-running", queue: "sim-long")
        try await waitUntil("the first build runs") { !reader.events(for: "req-running").isEmpty }
        try await harness.trigger("req-waiting", queue: "sim-long")
        try await harness.trigger("req-next", queue: "sim-long")
        try await harness.cancel("req-waiting")
        let cancelled = try await reader.waitForTerminal("req-waiting")
        #expect(cancelled.map(\.status) == ["cancelled"])
        #expect(cancelled.first?.buildID == nil)
        #expect(reader.events(for: "req-next").isEmpty, "no slot for it yet")
        try await harness.cancel("req-running")
        try await reader.waitForTerminal("req-running")
        try await waitUntil("the freed slot starts the next trigger") { reader.events(for: "req-next").first?.status == "accepted" }
        #expect(worker.worker.engine.buildsInFlight == 1)
        await worker.stop()
        await reader.close()
    }

    @Test func tooManyWaitingTriggersPauseThePartitionsUntilTheyDrain() async throws {
        // Builds run until the test lets them finish, so the pause cannot be missed on a loaded machine.
        let finish = Atomic<Bool>(false)
        let manager = ScriptedBuildManager(status: { _, _ in finish.load(ordering: .relaxed) ? .succeeded : .running })
        let harness = try WorkerHarness(partitions: 2)
        let reader = try harness.startReader()
        let queue = BuildQueue(name: "gated", provider: "scripted", manager: manager, pollIntervals: WorkerHarness.fastPolling)
        let worker = try harness.startWorker(harness.configuration(queues: [queue]) { settings in
            settings.maxInFlightBuilds = 2
            settings.maxHeldTriggers = 1
        })
        try await worker.waitUntilReady()
        let ids = (0..<4).map { "req-slot-\($0)" }
        for id in ids { try await harness.trigger(id, queue: "gated") }
        try await waitUntil("two builds run, two wait, and the partitions pause") {
            worker.worker.engine.buildsInFlight == 2 && worker.worker.engine.isPaused
        }
        try await waitUntil("the two running builds were triggered") { Set(manager.calls.triggers).count == 2 }
        #expect(worker.worker.engine.isPaused)
        finish.store(true, ordering: .relaxed)
        for id in ids { try await reader.waitForTerminal(id) }
        #expect(!worker.worker.engine.isPaused)
        #expect(reader.all.filter { $0.status == "succeeded" }.count == 4)
        await worker.stop()
        await reader.close()
    }

}
