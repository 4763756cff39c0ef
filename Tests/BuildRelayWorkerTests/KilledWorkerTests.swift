import BuildRelayTestSupport
import Foundation
import Testing

/// Workers as separate processes: one killed with SIGKILL mid-run loses nothing, and its local builds die with it.
@Suite(.timeLimit(.minutes(3)))
struct KilledWorkerTests {
    static let simulatedBuilds = 1_000
    static let localBuilds = 12

    @Test func aWorkerKilledWithSIGKILLLosesNothingAndItsProcessBuildsDieWithIt() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let harness = try WorkerHarness(partitions: 6)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("killed-worker"))
        let pids = directory.appendingPathComponent("pids")
        try FileManager.default.createDirectory(at: pids, withIntermediateDirectories: true)
        let configuration = directory.appendingPathComponent("worker.yaml")
        try """
            kafka:
              bootstrapServers: \(harness.cluster.bootstrapServers)
              groupId: \(harness.groupID)
              properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "500", fetch.wait.max.ms: "20"}
            topics: {commands: \(harness.topics.commands), status: \(harness.topics.status), state: \(harness.topics.state), deadLetter: \(harness.topics.deadLetter)}
            worker: {pollInterval: {accepted: 300ms, running: 300ms}, shutdownTimeout: 5s}
            logging: {level: info, format: text}
            http: {port: 0}
            queues:
              sim:
                provider: simulated
                simulated: {minDuration: 2s, maxDuration: 5s, failureRate: 0.2}
              local:
                provider: process
                process:
                  command: ["/bin/sh", "-c", "echo $$ > \(pids.path)/$BUILDRELAY_REQUEST_ID; exec sleep 120"]
                  buildsDirectory: \(directory.appendingPathComponent("builds").path)
            """.write(to: configuration, atomically: true, encoding: .utf8)

        let reader = try harness.startReader()
        let first = try WorkerProcess(executable: executable, configuration: configuration.path, log: directory.appendingPathComponent("first.log"))
        try await waitUntil("the first worker restored its partitions", seconds: 30) { first.log.contains("partitions restored") }
        let second = try WorkerProcess(executable: executable, configuration: configuration.path, log: directory.appendingPathComponent("second.log"))
        try await waitUntil("the second worker restored its partitions", seconds: 30) { second.log.contains("partitions restored") }

        let localIDs = (0..<Self.localBuilds).map { "local-\($0)" }
        try await harness.triggerMany(localIDs, queue: "local")
        let simulatedIDs = (0..<Self.simulatedBuilds).map { "sim-\($0)" }
        try await harness.triggerMany(simulatedIDs, queue: "sim")
        try await waitUntil("every local build started") { (try? FileManager.default.contentsOfDirectory(atPath: pids.path).count) == Self.localBuilds }
        try await waitUntil("half the simulated builds accepted") { Set(reader.all.map(\.requestID)).count >= Self.simulatedBuilds / 2 }

        // Which worker runs each local build, from the kernel's view.
        var parents: [String: (pid: Int32, parent: Int32)] = [:]
        for id in localIDs {
            let pid = try #require(Int32(String(contentsOf: pids.appendingPathComponent(id), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            parents[id] = (pid, try #require(Self.parent(of: pid)))
        }
        let firstsBuilds = parents.filter { $0.value.parent == first.pid }
        try #require(!firstsBuilds.isEmpty, "the first worker runs none of the local builds")

        first.kill(SIGKILL)
        try await waitUntil("the killed worker's builds are gone", seconds: 10) { firstsBuilds.values.allSatisfy { !Self.isRunning($0.pid) } }

        let every = simulatedIDs + localIDs
        try await waitUntil("every request terminal but the second worker's local builds", seconds: 120) {
            let terminal = Set(reader.all.filter { $0.isTerminal }.map(\.requestID))
            return simulatedIDs.allSatisfy(terminal.contains) && firstsBuilds.keys.allSatisfy(terminal.contains)
        }
        for id in firstsBuilds.keys {
            let last = reader.events(for: id).last
            #expect(last?.status == "failed" && last?.errorKind == "infra", "\(id): \(String(describing: last?.status))")
        }
        // The survivor's local builds end when it shuts down: stopped and reported failed.
        second.kill(SIGTERM)
        #expect(await second.waitForExit(seconds: 30) == 0)
        try await waitUntil("every request terminal", seconds: 30) {
            Set(reader.all.filter { $0.isTerminal }.map(\.requestID)).count == every.count
        }
        FailoverTests.checkStreams(reader.all, ids: every)
        await reader.close()
    }

    /// The broker dies at the moment the worker is told to stop, as when a whole deployment is torn down: the
    /// graceful shutdown must give up on the broker within its bounds instead of waiting for it forever (before the
    /// bounds, librdkafka's synchronous commit and consumer close waited for the dead coordinator without limit).
    @Test func aWorkerToldToStopAsItsBrokerDiesStillExits() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("broker-dies"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for round in 1...2 {
            let bootstrapFile = directory.appendingPathComponent("bootstrap-\(round).txt")
            let broker = try ChildProcess(executable, ["broker"], output: .file(bootstrapFile.path))
            defer { broker.kill(SIGKILL) }
            let firstLine = { @Sendable in ((try? String(contentsOf: bootstrapFile, encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init) }
            try await waitUntil("the broker's address", seconds: 30) { firstLine() != nil }
            let bootstrap = try #require(firstLine())
            let configuration = directory.appendingPathComponent("worker-\(round).yaml")
            try """
                kafka: {bootstrapServers: "\(bootstrap)", groupId: dies}
                worker: {shutdownTimeout: 3s}
                logging: {level: info, format: text}
                http: {port: 0}
                queues:
                  sim: {provider: simulated, simulated: {minDuration: 20s, maxDuration: 30s}}
                """.write(to: configuration, atomically: true, encoding: .utf8)
            let worker = try WorkerProcess(executable: executable, configuration: configuration.path, log: directory.appendingPathComponent("worker-\(round).log"))
            defer { worker.kill(SIGKILL) }
            try await waitUntil("the worker restored its partitions", seconds: 30) { worker.log.contains("partitions restored") }
            let sent = try await ProcessRunner.run(executable, [
                "send", "trigger", "--config", configuration.path, "--request-id", "dies-\(round)", "--queue", "sim", "--change", "github://a/b/pull/1/abc",
            ], includeStandardError: true)
            try #require(sent.status == 0, "\(sent.output)")
            try await waitUntil("the build accepted", seconds: 30) { worker.log.contains("build triggered") }

            broker.kill(SIGKILL)
            worker.kill(SIGTERM)
            let status = await worker.waitForExit(seconds: 60)
            #expect(status == 0, "round \(round): the worker did not exit (status \(String(describing: status))); its log:\n\(worker.log.suffix(3000))")
            guard status != nil else { return }
        }
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// Alive and not a zombie.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }
}

/// A `buildrelay worker` child process with its output in a file.
final class WorkerProcess: Sendable {
    private let child: ChildProcess
    private let logURL: URL

    convenience init(executable: String, configuration: String, log: URL) throws {
        try self.init(executable: executable, arguments: ["worker", "--config", configuration], log: log)
    }

    /// `environment` adds to this process's variables.
    init(executable: String, arguments: [String], log: URL, environment: [String: String] = [:]) throws {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        child = try ChildProcess(
            executable, arguments, environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 },
            output: .file(log.path), errorToOutput: true)
        logURL = log
    }

    var pid: Int32 { child.pid }
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func kill(_ signal: Int32) { child.kill(signal) }

    func waitForExit(seconds: Double) async -> Int32? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while child.exitStatusIfExited == nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return child.exitStatusIfExited
    }
}
