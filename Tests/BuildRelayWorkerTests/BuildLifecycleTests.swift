import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import Testing

/// What callers see for single requests: the contract's sequences of status events.
@Suite(.timeLimit(.minutes(2)))
struct BuildLifecycleTests {
    @Test func triggeredBuildReportsAcceptedRunningSucceededInSequence() async throws {
        // The build runs until the test has seen `running` published: a poll the machine delays by seconds cannot
        // skip over the running state (a timed 3 s build could, on a loaded CI machine).
        let finish = LockedArray<Bool>()
        let manager = ScriptedBuildManager(status: { _, _ in finish.values.isEmpty ? .running : .succeeded })
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker(harness.configuration(queues: [
            BuildQueue(name: "sim", provider: "scripted", manager: manager, pollIntervals: WorkerHarness.fastPolling),
        ]))
        try await worker.waitUntilReady()
        try await harness.trigger("req-ok", metadata: ["author": "kim"])
        try await reader.waitForStatus("req-ok", "running")
        finish.append(true)
        let events = try await reader.waitForTerminal("req-ok")
        #expect(events.map(\.status) == ["accepted", "running", "succeeded"])
        #expect(events.map(\.sequence) == [1, 2, 3])
        #expect(events.map(\.id) == ["req-ok:1", "req-ok:2", "req-ok:3"])
        #expect(events.map(\.previousStatus) == ["unknown", "accepted", "running"])
        #expect(events.allSatisfy { $0.metadata["author"] == "kim" && $0.buildID != nil })
        let traceparents = Set(events.compactMap { $0.headers.first { $0.name == "traceparent" }?.value })
        #expect(traceparents.count == 1)
        #expect(events.allSatisfy { $0.headers.firstValue(named: "content-type") == StatusEventEncoder.contentType })
        let outcome = await worker.stop()
        #expect(throws: Never.self) { try outcome.get() }
        await reader.close()
    }

    @Test("a refresh makes the owner poll a build now: its end is published long before the next poll is due")
    func refreshPollsNow() async throws {
        let manager = SimulatedBuildManager(configuration: .init(minimumDuration: .milliseconds(200), maximumDuration: .milliseconds(300), failureRate: 0))
        let hourly = PollIntervals(accepted: .seconds(3600), running: .seconds(3600))
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker(harness.configuration(queues: [BuildQueue(name: "hourly", provider: "simulated", manager: manager, pollIntervals: hourly)]))
        try await worker.waitUntilReady()
        try await harness.trigger("req-refresh", queue: "hourly")
        try await reader.waitForStatus("req-refresh", "accepted")
        let build = try #require(reader.events(for: "req-refresh").first?.buildID)
        try await waitUntil("the build finished at the provider") { (try? await manager.status(BuildID(build)).status) == .succeeded }
        try await harness.send(json: #"{"type":"refresh","requestId":"req-refresh","observedStatus":"succeeded"}"#, key: "req-refresh")
        let events = try await reader.waitForTerminal("req-refresh")
        #expect(events.map(\.status) == ["accepted", "succeeded"])
        await worker.stop()
        await reader.close()
    }

    @Test func failingBuildEndsFailedWithAnError() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        try await harness.trigger("req-fail", queue: "sim-fail")
        let events = try await reader.waitForTerminal("req-fail")
        #expect(events.last?.status == "failed")
        #expect(events.last?.errorKind == "user")
        #expect(events.map(\.sequence) == Array(1...events.count))
        await worker.stop()
        await reader.close()
    }

    @Test func cancelMidBuildEndsCancelled() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        try await harness.trigger("req-cancel", queue: "sim-long")
        try await waitUntil("the build runs") { reader.events(for: "req-cancel").contains { $0.status == "running" } }
        try await harness.cancel("req-cancel")
        let events = try await reader.waitForTerminal("req-cancel")
        #expect(events.map(\.status) == ["accepted", "running", "cancelled"])
        await worker.stop()
        await reader.close()
    }

    @Test func cancelBeforeTriggerStartsNothingAndReportsCancelled() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        try await harness.cancel("req-early")
        try await harness.trigger("req-early")
        let events = try await reader.waitForTerminal("req-early")
        #expect(events.map(\.status) == ["cancelled"])
        #expect(events.first?.sequence == 1)
        #expect(events.first?.buildID == nil)
        await worker.stop()
        await reader.close()
    }

    @Test func repeatedTriggerStartsOneBuildAndPublishesNothingMore() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        try await harness.trigger("req-dup", queue: "fast")
        try await reader.waitForTerminal("req-dup")
        try await harness.trigger("req-dup", queue: "fast")
        try await harness.trigger("req-after", queue: "fast")
        try await reader.waitForTerminal("req-after")
        #expect(reader.events(for: "req-dup").map(\.status) == ["succeeded"])
        await worker.stop()
        await reader.close()
    }

    @Test func unknownQueueFailsWithUserError() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        try await harness.trigger("req-nowhere", queue: "no-such-queue")
        let events = try await reader.waitForTerminal("req-nowhere")
        #expect(events.map(\.status) == ["failed"])
        #expect(events.first?.errorKind == "user")
        await worker.stop()
        await reader.close()
    }

    @Test func publishedEventsAndStateRecordsValidateAgainstTheirSchemas() async throws {
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        try await harness.trigger("req-schema-ok", metadata: ["author": "kim"])
        try await harness.trigger("req-schema-bad", queue: "no-such-queue")
        try await reader.waitForTerminal("req-schema-ok")
        try await reader.waitForTerminal("req-schema-bad")
        await worker.stop()
        let lines = reader.all.map { String(decoding: $0.bytes, as: UTF8.self) }.joined(separator: "\n")
        let result = try await PythonJSONSchema.validate(schema: "status-event.schema.json", lines: lines)
        #expect(result.status == 0, "\(result.output)")
        let states = try await harness.stateRecords().compactMap(\.value).map { String(decoding: $0, as: UTF8.self) }
        #expect(states.count == reader.all.count, "one state record per event")
        let stateResult = try await PythonJSONSchema.validate(schema: "state-record.schema.json", lines: states.joined(separator: "\n"))
        #expect(stateResult.status == 0, "\(stateResult.output)")
        await reader.close()
    }
}

/// `process` builds run on the worker: they end with it.
@Suite(.timeLimit(.minutes(2)))
struct LocalBuildShutdownTests {
    @Test func gracefulShutdownLetsShortLocalBuildsFinishAndFailsLongOnes() async throws {
        let harness = try WorkerHarness(partitions: 1)
        // The short build runs until the test opens its gate, a second into the shutdown: it is running when the
        // shutdown starts and ends inside the shutdown timeout, however slow the machine is.
        let gate = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("gate")).path
        defer { try? FileManager.default.removeItem(atPath: gate) }
        let polling = PollIntervals(accepted: .milliseconds(100), running: .milliseconds(100))
        let queues = [
            BuildQueue(name: "short", provider: "process",
                       manager: ProcessBuildManager(configuration: .init(command: ["/bin/sh", "-c", "while [ ! -e '\(gate)' ]; do sleep 0.05; done"])),
                       pollIntervals: polling),
            BuildQueue(name: "long", provider: "process", manager: ProcessBuildManager(configuration: .init(command: ["/bin/sh", "-c", "sleep 60"], cancelGracePeriod: .milliseconds(200))),
                       pollIntervals: polling),
        ]
        let reader = try harness.startReader()
        let worker = try harness.startWorker(harness.configuration(queues: queues) { $0.shutdownTimeout = .seconds(8) })
        try await worker.waitUntilReady()
        try await harness.trigger("req-short", queue: "short")
        try await harness.trigger("req-long", queue: "long")
        try await waitUntil("both run") { reader.events(for: "req-short").count == 2 && reader.events(for: "req-long").count == 2 }
        let opener = Task {
            try await Task.sleep(for: .seconds(1))
            _ = FileManager.default.createFile(atPath: gate, contents: nil)
        }
        let outcome = await worker.stop()
        try await opener.value
        #expect(throws: Never.self) { try outcome.get() }
        let short = try await reader.waitForTerminal("req-short")
        let long = try await reader.waitForTerminal("req-long")
        #expect(short.map(\.status) == ["accepted", "running", "succeeded"])
        #expect(long.map(\.status) == ["accepted", "running", "failed"])
        #expect(long.last?.errorKind == "infra")
        await reader.close()
    }
}
