import BuildRelayTestSupport
import Foundation
import Testing

/// The command line's contract: exit codes, and one clear line for a bad configuration.
@Suite(.timeLimit(.minutes(2)))
struct CommandLineTests {
    @Test func configCheckExits2WithOneLineNamingTheKey() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let (status, output) = try await ProcessRunner.run(executable, ["config", "check", "--set", "worker.shutdownTimeout=soon"], includeStandardError: true)
        #expect(status == 2)
        #expect(output.split(separator: "\n").count == 1)
        #expect(output.contains("worker.shutdownTimeout"))
    }

    @Test func configCheckPrintsTheEffectiveConfiguration() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let (status, output) = try await ProcessRunner.run(executable, ["config", "check", "--set", "queues.fast.provider=noop", "--set", "worker.statusConcurrency=3"])
        #expect(status == 0)
        #expect(output.contains("statusConcurrency: 3"))
        #expect(output.contains("fast:"))
    }

    @Test func theWorkerRefusesToStartWhenStateAndCommandPartitionsDiffer() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness(partitions: 4, statePartitions: 3)
        let (status, output) = try await ProcessRunner.run(executable, [
            "worker", "--set", "kafka.bootstrapServers=\(harness.cluster.bootstrapServers)", "--set", "logging.format=text",
            "--set", "topics.commands=\(harness.topics.commands)", "--set", "topics.status=\(harness.topics.status)",
            "--set", "topics.state=\(harness.topics.state)", "--set", "topics.deadLetter=\(harness.topics.deadLetter)",
            "--set", "http.port=0",
        ], includeStandardError: true)
        #expect(status == 2)
        #expect(output.contains("has 3 partitions but \(harness.topics.commands) has 4"), "\(output)")
    }

    @Test func sendThenEventsShowsTheBuild() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let worker = try harness.startWorker()
        try await worker.waitUntilReady()
        let target = [
            "--bootstrap-servers", harness.cluster.bootstrapServers,
            "--set", "topics.commands=\(harness.topics.commands)", "--set", "topics.status=\(harness.topics.status)",
            "--set", "topics.state=\(harness.topics.state)", "--set", "topics.deadLetter=\(harness.topics.deadLetter)",
        ]
        let sent = try await ProcessRunner.run(executable, ["send", "trigger", "--request-id", "cli-1", "--queue", "fast", "--change", "github://a/b/pull/1/c", "--metadata", "author=kim"] + target)
        #expect(sent.status == 0)
        #expect(sent.output.hasPrefix("cli-1 -> \(harness.topics.commands)["))
        let statuses = LockedArray<Int32>()
        try await waitUntil("the event is readable") {
            let events = try await ProcessRunner.run(executable, ["events", "--json", "--request-id", "cli-1"] + target)
            statuses.append(events.status)
            return events.output.contains("\"status\":\"succeeded\"")
        }
        #expect(statuses.values.allSatisfy { $0 == 0 })
        let bad = try await ProcessRunner.run(executable, ["send", "trigger", "--request-id", "bad id", "--queue", "fast", "--change", "x"] + target, includeStandardError: true)
        #expect(bad.status == 2)
        await worker.stop()
    }
}
