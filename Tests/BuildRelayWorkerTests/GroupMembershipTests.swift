import BuildRelayTestSupport
import BuildRelayWorker
import Foundation
import Testing

/// Joining the group is something an operator can follow: a worker that waits for its partitions says so, and
/// names the settings that bound the wait.
@Suite(.timeLimit(.minutes(2)))
struct GroupMembershipTests {
    @Test("a worker restarted after a kill says it waits for the group, and which settings bound the wait, until it owns partitions")
    func aRestartedWorkerReportsItsWaitForTheGroup() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("group-wait"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // The worker's own group defaults: no session, heartbeat or poll-interval properties are set.
        let arguments = CommandLineTests.workerArguments(harness) + ["--set", "kafka.groupId=\(harness.groupID)", "--set", "queues.fast.provider=noop"]
        let killed = try WorkerProcess(executable: executable, arguments: arguments, log: directory.appendingPathComponent("killed.log"))
        try await waitUntil("the first worker restored its partitions", seconds: 30) { killed.log.contains("partitions restored") }
        killed.kill(SIGKILL)
        _ = await killed.waitForExit(seconds: 30)

        let restarted = try WorkerProcess(executable: executable, arguments: arguments, log: directory.appendingPathComponent("restarted.log"))
        try await waitUntil("the restarted worker restored its partitions", seconds: 60) { restarted.log.contains("partitions restored") }
        let log = restarted.log
        #expect(log.contains("waiting for the consumer group to assign partitions"), "\(log)")
        #expect(log.contains("session.timeout.ms=6000, heartbeat.interval.ms=1000, max.poll.interval.ms=45000"), "\(log)")
        #expect(log.contains("librdkafka=\(ProcessInfo.processInfo.environment["BUILDRELAY_TEST_LIBRDKAFKA"] ?? "2.0.2")"), "\(log)")
        restarted.kill(SIGTERM)
        #expect(await restarted.waitForExit(seconds: 30) == 0)
    }

    @Test("max.poll.interval.ms outlasts the longest revoke: worker.shutdownTimeout plus 15 s")
    func pollIntervalOutlastsTheShutdownTimeout() {
        let defaults = Dictionary(uniqueKeysWithValues: Worker.groupDefaults(shutdownTimeout: .seconds(60)).map { ($0.key, $0.value) })
        #expect(defaults["max.poll.interval.ms"] == "75000")
        #expect(defaults["session.timeout.ms"] == "6000")
    }
}
