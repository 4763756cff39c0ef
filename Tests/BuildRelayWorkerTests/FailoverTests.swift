import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import Testing

/// A worker that goes away loses nothing: every request still ends with exactly one terminal event, sequences
/// have no gaps, and an id is only ever repeated with identical bytes.
@Suite(.timeLimit(.minutes(4)))
struct FailoverTests {
    static let builds = 2_000

    static func queues() -> [BuildQueue] {
        [BuildQueue(
            name: "sim", provider: "simulated",
            manager: SimulatedBuildManager(configuration: .init(minimumDuration: .seconds(2), maximumDuration: .seconds(5), failureRate: 0.2)),
            pollIntervals: PollIntervals(accepted: .milliseconds(300), running: .milliseconds(300)))]
    }

    @Test(arguments: [false, true])
    func twoWorkersOneStopsMidRunEveryRequestEndsOnce(abruptly: Bool) async throws {
        let harness = try WorkerHarness(partitions: 6)
        let reader = try harness.startReader()
        let first = try harness.startWorker(harness.configuration(queues: Self.queues()))
        let second = try harness.startWorker(harness.configuration(queues: Self.queues()))
        try await first.waitUntilReady()
        try await second.waitUntilReady()
        try await waitUntil("both workers own partitions") {
            !first.worker.engine.ownedPartitions.isEmpty && !second.worker.engine.ownedPartitions.isEmpty
        }
        let ids = (0..<Self.builds).map { "req-\(abruptly ? "abort" : "stop")-\($0)" }
        try await harness.triggerMany(ids, queue: "sim")
        try await waitUntil("half the builds accepted") { Set(reader.all.map(\.requestID)).count >= Self.builds / 2 }
        if abruptly { await first.abort() } else { await first.stop() }

        try await waitUntil("every request terminal", seconds: 120) {
            Set(reader.all.filter { $0.isTerminal }.map(\.requestID)).count == Self.builds
        }
        await second.stop()
        Self.checkStreams(reader.all, ids: ids)
        await reader.close()
    }

    /// Per request: ids repeat only byte for byte; sequences 1...n without gaps; exactly one terminal event, last.
    static func checkStreams(_ events: [PublishedEvent], ids: [String]) {
        let byRequest = Dictionary(grouping: events, by: \.requestID)
        var problems: [String] = []
        for id in ids {
            var unique: [String: PublishedEvent] = [:]
            for event in byRequest[id] ?? [] {
                if let seen = unique[event.id], seen.bytes != event.bytes { problems.append("\(event.id) published with two contents") }
                unique[event.id] = event
            }
            let sequence = unique.values.sorted { $0.sequence < $1.sequence }
            if sequence.map(\.sequence) != Array(1...max(1, sequence.count)) { problems.append("\(id): sequences \(sequence.map(\.sequence))") }
            let terminal = sequence.filter { $0.isTerminal }
            if terminal.count != 1 || terminal.first?.sequence != sequence.last?.sequence {
                problems.append("\(id): statuses \(sequence.map(\.status))")
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5))")
    }
}
