import BuildRelayCore
import BuildRelayTestSupport
import Foundation
import Testing

/// `buildrelay events` as an operator follows builds with it: time order across partitions, dates in UTC,
/// repeats marked, a start time, a one-line summary, and `--wait` ending with the build's outcome.
@Suite(.timeLimit(.minutes(3)))
struct EventsCommandTests {
    @Test("a replay merges the partitions in time order, dates every line in UTC, marks a repeat, and --from skips older events")
    func replay() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        let ids = (1...8).map { "replay-\($0)" }
        for id in ids { try await harness.trigger(id, queue: "fast") }
        for id in ids { try await reader.waitForTerminal(id) }
        let partitions = Set(ids.map { HomePartition.of(RequestID(rawValue: $0)!, partitionCount: harness.partitions) })
        #expect(partitions.count > 1, "the builds span several partitions")
        // A republished event (same id, same bytes), and an event from long ago.
        let first = try #require(reader.events(for: "replay-1").first)
        try await harness.publishStatus(first.bytes, requestID: "replay-1")
        let old = String(decoding: first.bytes, as: UTF8.self).replacingOccurrences(of: #""time":"20"#, with: #""time":"19"#)
            .replacingOccurrences(of: "replay-1", with: "replay-old")
        try await harness.publishStatus(Array(old.utf8), requestID: "replay-old")
        await worker.stop()

        let target = harness.commandLineTarget
        let replay = try await ProcessRunner.run(executable, ["events"] + target)
        #expect(replay.status == 0)
        let lines = replay.output.split(separator: "\n").map(String.init)
        #expect(lines.count == ids.count + 2, "\(replay.output)")
        let times = lines.map { String($0.prefix(24)) }
        #expect(times.allSatisfy { $0.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil }, "\(replay.output)")
        #expect(times == times.sorted(), "not in time order: \(replay.output)")
        #expect(lines.filter { $0.hasSuffix("(repeat)") }.count == 1, "\(replay.output)")
        #expect(lines.first { $0.hasSuffix("(repeat)") }?.contains("replay-1 ") == true)
        #expect(lines.first?.contains("replay-old") == true, "the 19xx event sorts first: \(replay.output)")

        let recent = try await ProcessRunner.run(executable, ["events", "--from", "1d"] + target)
        #expect(!recent.output.contains("replay-old"), "\(recent.output)")
        #expect(recent.output.split(separator: "\n").count == ids.count + 1, "\(recent.output)")
        let now = try await ProcessRunner.run(executable, ["events", "--from", "now"] + target)
        #expect(now.status == 0 && now.output.isEmpty, "\(now.output)")

        let summary = try await ProcessRunner.run(executable, ["events", "--summary", "--from", "1d"] + target)
        let summaryLines = summary.output.split(separator: "\n")
        #expect(summaryLines.count == ids.count, "\(summary.output)")
        #expect(summaryLines.allSatisfy { $0.contains("  succeeded  #1  ") && $0.contains("took ") }, "\(summary.output)")
        #expect(summaryLines.first { $0.hasPrefix("replay-1 ") }?.contains("(1 event, 1 repeated)") == true, "\(summary.output)")
        #expect(try await ProcessRunner.run(executable, ["events", "--from", "yesterday"] + target, includeStandardError: true).status == 2)
        await reader.close()
    }

    @Test("--wait exits with the build's outcome: 0 succeeded, 3 failed, 4 cancelled, 5 when --timeout passes first")
    func waitForTheOutcome() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let reader = try harness.startReader()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        let target = harness.commandLineTarget
        // The waits start before their builds (reading from the beginning, they miss nothing), and one after its build ended.
        async let succeeded = ProcessRunner.run(executable, ["events", "--request-id", "wait-ok", "--wait"] + target)
        async let failed = ProcessRunner.run(executable, ["events", "--request-id", "wait-fail", "--wait", "--summary"] + target)
        async let cancelled = ProcessRunner.run(executable, ["events", "--request-id", "wait-cancel", "--wait"] + target)
        async let timedOut = ProcessRunner.run(executable, ["events", "--request-id", "wait-long", "--wait", "--timeout", "3s"] + target, includeStandardError: true)
        try await harness.trigger("wait-ok", queue: "sim")
        try await harness.trigger("wait-fail", queue: "sim-fail")
        try await harness.trigger("wait-cancel", queue: "sim-long")
        try await harness.trigger("wait-long", queue: "sim-long")
        try await reader.waitForStatus("wait-cancel", "running")
        try await harness.cancel("wait-cancel")

        let ok = try await succeeded
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.split(separator: "\n").last?.contains("succeeded") == true, "\(ok.output)")
        let fail = try await failed
        #expect(fail.status == 3, "\(fail.output)")
        #expect(fail.output.hasPrefix("wait-fail  sim-fail  failed  #"), "\(fail.output)")
        #expect(try await cancelled.status == 4)
        let long = try await timedOut
        #expect(long.status == 5, "\(long.output)")
        #expect(long.output.contains("wait-long is not finished after 3s"), "\(long.output)")
        let after = try await ProcessRunner.run(executable, ["events", "--request-id", "wait-ok", "--wait"] + target)
        #expect(after.status == 0)
        #expect(try await ProcessRunner.run(executable, ["events", "--wait"] + target, includeStandardError: true).status == 2)

        await worker.stop()
        await reader.close()
    }
}
