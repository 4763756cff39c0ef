import BuildRelayCore
import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Testing

/// A worker taking over a partition rebuilds its builds from the state topic: it republishes each build's last
/// recorded event byte for byte, then goes on polling and numbering from there.
@Suite(.timeLimit(.minutes(2)))
struct RestoreTests {
    static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A state record as a worker that crashed right after recording (and before publishing) would have left it.
    static func recorded(
        _ requestID: String, harness: WorkerHarness, status: BuildStatus, sequence: Int, buildID: BuildID?, cancelRequested: Bool = false,
        recordedAt: Int64 = nowMilliseconds(), queue: String = "sim"
    ) -> BuildStateRecord {
        let id = RequestID(rawValue: requestID)!
        let traceparent = TraceParent.random()
        let event = StatusEvent(
            requestID: id, queue: queue, buildID: buildID, status: status, previousStatus: sequence == 1 ? .unknown : .accepted,
            sequence: sequence, metadata: ["author": "kim"], error: status == .failed ? .buildFailed() : nil, timeMilliseconds: recordedAt,
            traceparent: traceparent)
        return BuildStateRecord(
            requestID: id, queue: queue, buildID: buildID, status: status, sequence: sequence, cancelRequested: cancelRequested,
            metadata: ["author": "kim"], traceparent: traceparent, triggeredAt: recordedAt, settledAt: status.isTerminal ? recordedAt : nil,
            recordedAt: recordedAt, lastEvent: StatusEventEncoder(groupID: harness.groupID).encode(event))
    }

    /// A simulated build that started now and succeeds after `duration`.
    static func simulatedBuild(_ requestID: String, duration: Int64 = 1500) -> BuildID {
        BuildID("sim:\(nowMilliseconds()):\(duration):ok:\(requestID)")
    }

    @Test func restoredBuildRepublishesItsLastEventByteForByteThenContinuesTheSequence() async throws {
        let harness = try WorkerHarness(partitions: 1)
        // Recorded `accepted`; by the provider's clock it has been running for a while and has a minute to go.
        let buildID = BuildID("sim:\(Self.nowMilliseconds() - 15_000):60000:ok:req-restored")
        let record = Self.recorded("req-restored", harness: harness, status: .accepted, sequence: 1, buildID: buildID)
        try await harness.appendState(record)
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await waitUntil("the next transition") { reader.events(for: "req-restored").count == 2 }
        try await harness.cancel("req-restored")
        let events = try await reader.waitForTerminal("req-restored")
        #expect(events.first?.bytes == record.lastEvent)
        #expect(events.map(\.sequence) == [1, 2, 3])
        #expect(events.map(\.status) == ["accepted", "running", "cancelled"])
        #expect(Set(events.compactMap { $0.headers.firstValue(named: "traceparent") }) == [record.traceparent])
        await worker.stop()
        await reader.close()
    }

    @Test func aRestoredBuildOfAQueueNoLongerConfiguredFailsInsteadOfHoldingABuildSlot() async throws {
        let harness = try WorkerHarness(partitions: 1)
        let record = Self.recorded("req-retired", harness: harness, status: .running, sequence: 2, buildID: BuildID("retired-7"), queue: "retired")
        try await harness.appendState(record)
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        let events = try await reader.waitForTerminal("req-retired")
        #expect(events.map(\.status) == ["running", "failed"])
        #expect(events.map(\.sequence) == [2, 3])
        let failed = try #require(events.last)
        #expect(failed.errorKind == "infra")
        let text = String(decoding: failed.bytes, as: UTF8.self)
        #expect(text.contains("is no longer configured: the build's outcome cannot be followed"))
        try await waitUntil("its build slot is free") { worker.worker.engine.buildsInFlight == 0 }
        await worker.stop()
        await reader.close()
    }

    @Test func aCancelRecordedBeforeTheCrashIsSentAgainAndEndsCancelled() async throws {
        let harness = try WorkerHarness(partitions: 1)
        let record = Self.recorded(
            "req-cancelled", harness: harness, status: .running, sequence: 2, buildID: Self.simulatedBuild("req-cancelled", duration: 60_000),
            cancelRequested: true)
        try await harness.appendState(record)
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        let events = try await reader.waitForTerminal("req-cancelled")
        #expect(events.map(\.status) == ["running", "cancelled"])
        #expect(events.map(\.sequence) == [2, 3])
        await worker.stop()
        await reader.close()
    }

    @Test func recentTerminalEventsAreRepublishedOldOnesAreNotAndExpiredIdsAreForgotten() async throws {
        let harness = try WorkerHarness(partitions: 1)
        let now = Self.nowMilliseconds()
        let recent = Self.recorded("req-recent", harness: harness, status: .succeeded, sequence: 3, buildID: BuildID("b1"))
        let older = Self.recorded("req-older", harness: harness, status: .failed, sequence: 2, buildID: BuildID("b2"), recordedAt: now - 3_600_000)
        let expired = Self.recorded("req-expired", harness: harness, status: .succeeded, sequence: 3, buildID: BuildID("b3"), recordedAt: now - 8 * 86_400_000)
        for record in [expired, older, recent] { try await harness.appendState(record) }
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await reader.waitForTerminal("req-recent")
        try await waitUntil("the expired id's tombstone") { try await harness.stateRecords().contains { $0.key == Array("req-expired".utf8) && $0.value == nil } }
        // A trigger for the expired id starts a new build; one for the remembered id does not.
        try await harness.trigger("req-expired", queue: "fast")
        try await harness.trigger("req-older", queue: "fast")
        let restarted = try await reader.waitForTerminal("req-expired")
        #expect(restarted.map(\.sequence) == [1])
        #expect(reader.events(for: "req-older").isEmpty)
        #expect(reader.events(for: "req-recent").map(\.bytes) == [recent.lastEvent])
        await worker.stop()
        await reader.close()
    }

    @Test("a restore reads each state partition to its end: a burst of records written just before the takeover is all restored")
    func aBurstOfStateRecordsIsRestoredToItsLastRecord() async throws {
        let harness = try WorkerHarness(partitions: 2)
        // 400 builds with ten records each, the last one `running` (sequence 10) with a build that runs a minute.
        let ids = (0..<400).map { "req-burst-\($0)" }
        var last: [String: BuildStateRecord] = [:]
        for version in 1...10 {
            for id in ids {
                let status: BuildStatus = version == 10 ? .running : .accepted
                let record = Self.recorded(id, harness: harness, status: status, sequence: version, buildID: Self.simulatedBuild(id, duration: 60_000))
                last[id] = record
                try await harness.enqueueState(record, partition: HomePartition.of(RequestID(rawValue: id)!, partitionCount: 2))
            }
        }
        try await harness.flushState()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        try await waitUntil("every build's last event republished") { Set(reader.all.map(\.requestID)).count == ids.count }
        for id in ids { #expect(reader.events(for: id).map(\.bytes) == [last[id]?.lastEvent], "\(id)") }
        #expect(worker.worker.engine.buildsInFlight == ids.count)
        await worker.stop()
        await reader.close()
    }
}
