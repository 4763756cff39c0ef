import BuildRelayCore
import BuildRelayProviders
import BuildRelayTestSupport
import Foundation
import Testing

/// The local job runner: what a job receives, and how it ends.
@Suite(.timeLimit(.minutes(1)))
struct ProcessBuildManagerTests {
    static let changes = [BuildChange(uris: ["github://acme/api/pull/1/abc", "github://acme/api/pull/2/def"], action: .apply), BuildChange(uris: ["x"])]

    func manager(_ script: String, timeout: Duration = .seconds(60), grace: Duration = .seconds(5), maximumLogBytes: Int = 1 << 20) -> ProcessBuildManager {
        ProcessBuildManager(configuration: .init(
            command: ["/bin/sh", "-c", script], timeout: timeout, cancelGracePeriod: grace, maximumLogBytes: maximumLogBytes))
    }

    /// Polls until terminal; returns the final status and metadata.
    func finish(_ manager: ProcessBuildManager, _ build: BuildID) async throws -> BuildStatusReport {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let report = try await manager.status(build)
            if report.status.isTerminal { return report }
            try #require(ContinuousClock.now < deadline, "the process did not finish")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func theJobReceivesItsRequestQueueChangesAndMetadataAndNoOtherVariables() async throws {
        // No setenv here: other tests start processes meanwhile, and Foundation's Process reads the environment
        // while it copies it. The worker's environment always has variables the job must not get (the test
        // runner's own), so the job's variable names are checked against the allowed ones.
        let manager = manager(#"echo "id=$BUILDRELAY_REQUEST_ID queue=$BUILDRELAY_QUEUE"; cat "$BUILDRELAY_CHANGES_FILE"; echo; cat "$BUILDRELAY_METADATA_FILE"; echo; env | cut -d= -f1 | sed 's/^/variable:/'"#)
        let buildTriggered = try await manager.trigger(queue: "local", changes: Self.changes, metadata: ["author": "kim"], requestID: RequestID(rawValue: "req-env")!)
        let (build, first) = (buildTriggered.id, buildTriggered.status)
        #expect(first == .accepted)
        let finished = try await finish(manager, build)
        let (status, metadata) = (finished.status, finished.metadata)
        #expect(status == .succeeded)
        #expect(metadata["exitCode"] == "0")
        let log = try String(contentsOfFile: try #require(metadata["log"]), encoding: .utf8)
        #expect(log.contains("id=req-env queue=local"))
        #expect(log.contains(#"[{"action":"apply","uris":["github://acme/api/pull/1/abc","github://acme/api/pull/2/def"]},{"action":"validate","uris":["x"]}]"#))
        #expect(log.contains(#"{"author":"kim"}"#))
        let variables = Set(log.split(separator: "\n").filter { $0.hasPrefix("variable:") }.map { String($0.dropFirst("variable:".count)) })
        let contract: Set = ["BUILDRELAY_REQUEST_ID", "BUILDRELAY_QUEUE", "BUILDRELAY_CHANGES_FILE", "BUILDRELAY_METADATA_FILE"]
        let passedThrough: Set = ["PATH", "HOME", "USER", "LANG", "TZ", "TMPDIR"]
        let shell: Set = ["PWD", "SHLVL", "_", "OLDPWD"]  // what /bin/sh sets itself
        #expect(contract.isSubset(of: variables))
        #expect(variables.subtracting(contract).subtracting(passedThrough).subtracting(shell).isEmpty, "\(variables)")
        #expect(ProcessInfo.processInfo.environment.keys.contains { !passedThrough.contains($0) && !variables.contains($0) })
        try await manager.close()
    }

    @Test("a program that cannot start fails as infra, saying why; a job that itself exits 127 is a failed build like any other")
    func aProgramThatCannotStartIsInfra() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        /// Written through a close-on-exec descriptor: a process another test starts meanwhile must not inherit it
        /// open for writing, or executing the script fails with "Text file busy".
        func script(_ name: String, _ text: String, executable: Bool = true) throws {
            let descriptor = open(directory.appendingPathComponent(name).path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, executable ? 0o755 : 0o644)
            try #require(descriptor >= 0)
            let bytes = Array(text.utf8)
            #expect(write(descriptor, bytes, bytes.count) == bytes.count)
            close(descriptor)
        }
        try script("bad-interpreter.sh", "#!/no/such/interpreter\necho never\n")
        try script("not-executable.sh", "#!/bin/sh\necho never\n", executable: false)
        func run(_ program: String, arguments: [String] = [], id: String) async throws -> Result<BuildStatusReport, BuildError> {
            let manager = ProcessBuildManager(configuration: .init(command: [program] + arguments, workingDirectory: directory.path))
            let result: Result<BuildStatusReport, BuildError>
            do {
                let build = try await manager.trigger(queue: "local", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: id)!).id
                result = .success(try await finish(manager, build))
            } catch let error as BuildError {
                result = .failure(error)
            }
            try await manager.close()
            return result
        }

        // Found missing before the start: the trigger fails.
        for (program, reason) in [("./missing.sh", "./missing.sh (in \(directory.path)) not found"), ("./not-executable.sh", "is not executable"),
                                  ("no-such-program-anywhere", "no-such-program-anywhere is not in PATH")] {
            guard case .failure(let error) = try await run(program, id: "start-\(program.filter(\.isLetter))") else {
                Issue.record("\(program) started")
                continue
            }
            #expect(error.kind == .infra && !error.isRetryable)
            #expect(error.message.hasPrefix("could not start \(program): ") && error.message.contains(reason), "\(error.message)")
        }
        // Found at the start (exit 127 from the launcher): the build fails as infra with the reason.
        let badInterpreter = try await run("./bad-interpreter.sh", id: "start-interpreter").get()
        #expect(badInterpreter.status == .failed)
        #expect(badInterpreter.failure?.kind == .infra)
        #expect(badInterpreter.failure?.message == "could not start ./bad-interpreter.sh: No such file or directory", "\(String(describing: badInterpreter.failure))")
        // The job ran and chose 127: the user's failure.
        let chose127 = try await run("/bin/sh", arguments: ["-c", "echo running; exit 127"], id: "start-127").get()
        #expect(chose127.status == .failed && chose127.metadata["exitCode"] == "127")
        #expect(chose127.failure == nil)
    }

    @Test func aNonZeroExitFailsWithItsCode() async throws {
        let manager = manager("exit 3")
        let build = try await manager.trigger(queue: "local", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-exit")!).id
        let finished = try await finish(manager, build)
        let (status, metadata) = (finished.status, finished.metadata)
        #expect(status == .failed)
        #expect(metadata["exitCode"] == "3")
        try await manager.close()
    }

    @Test func aBuildOverItsTimeoutIsStoppedAndFails() async throws {
        let manager = manager("sleep 30", timeout: .milliseconds(300), grace: .milliseconds(200))
        let build = try await manager.trigger(queue: "local", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-slow")!).id
        let finished = try await finish(manager, build)
        let (status, metadata) = (finished.status, finished.metadata)
        #expect(status == .failed)
        #expect(metadata["reason"]?.contains("timed out") == true)
        try await manager.close()
    }

    @Test func cancelTermsThenKillsAJobThatIgnoresSIGTERM() async throws {
        let manager = manager(#"trap '' TERM; echo started; while true; do sleep 0.05; done"#, grace: .milliseconds(300))
        let build = try await manager.trigger(queue: "local", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-stubborn")!).id
        let log = try #require(try await manager.status(build).metadata["log"])
        try await waitUntil("the job ignores SIGTERM", seconds: 30) {
            (try? String(contentsOfFile: log, encoding: .utf8))?.contains("started") == true
        }
        try await manager.cancel(build)
        let finished = try await finish(manager, build)
        let (status, metadata) = (finished.status, finished.metadata)
        #expect(status == .cancelled)
        #expect(metadata["signal"] == "9")
        try await manager.close()
    }

    @Test func outputIsBoundedAndSaysWhatItDropped() async throws {
        let manager = manager("head -c 200000 /dev/zero | tr '\\000' x", maximumLogBytes: 1000)
        let build = try await manager.trigger(queue: "local", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-noisy")!).id
        let finished = try await finish(manager, build)
        let (status, metadata) = (finished.status, finished.metadata)
        #expect(status == .succeeded)
        let path = try #require(metadata["log"])
        let log = try String(contentsOfFile: path, encoding: .utf8)
        #expect(log.hasPrefix(String(repeating: "x", count: 1000)))
        #expect(log.contains("199000 more bytes dropped"))
        try await manager.close()
    }

    @Test func anotherWorkersProcessBuildIsReportedGone() async throws {
        let first = manager("sleep 5")
        let build = try await first.trigger(queue: "local", changes: Self.changes, metadata: [:], requestID: RequestID(rawValue: "req-orphan")!).id
        try await first.close()
        let second = manager("true")
        let error = await #expect(throws: BuildError.self) { try await second.status(build) }
        #expect(error?.kind == .infra)
        #expect(error?.isRetryable == false)
        try await second.cancel(build)  // a no-op: the process is gone
        try await second.close()
    }
}
