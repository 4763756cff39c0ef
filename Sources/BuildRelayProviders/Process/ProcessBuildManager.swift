import BuildRelayCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The local job runner: each build runs the queue's command as a child process of the worker.
///
/// The child runs in its own process group with the environment the contract gives a CI job
/// (`BUILDRELAY_REQUEST_ID`, `BUILDRELAY_QUEUE`, `BUILDRELAY_CHANGES_FILE`, `BUILDRELAY_METADATA_FILE`) plus the
/// worker's `PATH`, `HOME`, `USER`, `LANG`, `TZ` and `TMPDIR`, and none of its other variables (they may hold
/// secrets). `accepted` until first polled, `running` while it runs, then `succeeded` (exit 0), `cancelled` (after a
/// cancel) or `failed`. Cancel and timeout send SIGTERM to the group; the first status call (of any build) after
/// `cancelGracePeriod` sends SIGKILL if the process is still there, and ``close()`` kills what is left.
/// Output goes to a bounded log whose path is in the metadata (`log`).
///
/// Builds are local to the worker: they die with it (parent-death signal), and another worker polling one learns
/// it is gone (`failed`, infra). A ``BuildID`` is `process:<manager instance>:<pid>:<sequence>`.
public final class ProcessBuildManager: BuildManager {
    public let configuration: ProcessBuildConfiguration
    private let instance = UUID().uuidString.lowercased()
    private let spawner = ProcessSpawner()
    private let closed = ClosedState()
    private let state = Mutex(State())

    private struct Build {
        var requestID: RequestID
        var pid: pid_t
        var directory: String
        var deadline: ContinuousClock.Instant
        var polled = false
        var cancelRequested = false
        var timedOut = false
        /// SIGTERM was sent: the first status call after this sends SIGKILL if the process is still there.
        var killAt: ContinuousClock.Instant?
        /// Set once the process was reaped: its wait status, and when.
        var exitStatus: Int32?
        var exitedAt: ContinuousClock.Instant?
        /// Every writer closed the output pipe and the log is complete.
        var outputComplete = false
    }

    /// How long a build that exited may still be reported `running` while its output is being written out
    /// (a background child that keeps the pipe open would otherwise hold the build forever).
    private static let outputGracePeriod: Duration = .seconds(2)

    private struct State {
        var builds: [BuildID: Build] = [:]
        var byRequest: [RequestID: BuildID] = [:]
        var sequence = 0
    }

    public init(configuration: ProcessBuildConfiguration) {
        self.configuration = configuration
    }

    /// Builds die with their worker.
    public var capabilities: BuildManagerCapabilities { .localBuilds }

    public func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild {
        let (queue, changes, metadata, requestID) = (request.queue, request.changes, request.metadata, request.requestID)
        try closed.checkOpen()
        let (existing, number) = state.withLock { state -> (BuildID?, Int) in
            // Finished builds are kept an hour for late status and cancel calls, then forgotten.
            let expired = state.builds.filter { $0.value.exitedAt.map { ContinuousClock.now - $0 > .seconds(3600) } ?? false }
            for (id, build) in expired {
                state.builds[id] = nil
                if state.byRequest[build.requestID] == id { state.byRequest[build.requestID] = nil }
            }
            // A repeated trigger while the build runs gets that build.
            if let id = state.byRequest[requestID], state.builds[id]?.exitStatus == nil { return (id, 0) }
            state.sequence += 1
            return (nil, state.sequence)
        }
        if let existing { return TriggeredBuild(id: existing) }
        if let problem = ProgramLookup.problem(program: configuration.command[0], workingDirectory: configuration.workingDirectory) {
            throw BuildError(code: .providerConfiguration, kind: .infra, isRetryable: false, message: "could not start \(configuration.command[0]): \(problem)")
        }
        let directory = URL(fileURLWithPath: configuration.buildsDirectory)
            .appendingPathComponent("\(requestID.rawValue.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }.reduce(into: "") { $0.append($1) })-\(instance.prefix(8))-\(number)")
        let changesFile = directory.appendingPathComponent("changes.json")
        let metadataFile = directory.appendingPathComponent("metadata.json")
        let logFile = directory.appendingPathComponent("output.log")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let inputs = CIJobInputs(requestID: requestID, queue: queue, changes: changes, metadata: metadata)
            try Data(inputs.changesJSON.utf8).write(to: changesFile)
            try Data(inputs.metadataJSON.utf8).write(to: metadataFile)
        } catch {
            throw BuildError(code: .providerError, kind: .infra, isRetryable: false, message: "cannot prepare the build directory \(directory.path): \(error)")
        }
        var environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "USER", "LANG", "TZ", "TMPDIR"].contains($0.key) }
        environment["BUILDRELAY_REQUEST_ID"] = requestID.rawValue
        environment["BUILDRELAY_QUEUE"] = queue
        environment["BUILDRELAY_CHANGES_FILE"] = changesFile.path
        environment["BUILDRELAY_METADATA_FILE"] = metadataFile.path

        let log = open(logFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw BuildError(code: .providerError, kind: .infra, isRetryable: false, message: "cannot create \(logFile.path)") }
        let child: ProcessSpawner.Child
        do {
            child = try await spawner.spawn(ProcessSpawner.Request(
                arguments: configuration.command, environment: environment, workingDirectory: configuration.workingDirectory))
        } catch {
            Glibc.close(log)
            throw BuildError(code: .providerError, kind: .infra, isRetryable: false, message: "\(error)")
        }
        let pid = child.pid
        let id = BuildID("process:\(instance):\(pid):\(number)")
        state.withLock { state in
            state.builds[id] = Build(requestID: requestID, pid: pid, directory: directory.path, deadline: .now + configuration.timeout)
            state.byRequest[requestID] = id
        }
        OutputCapture.start(pipe: child.output, file: log, limit: configuration.maximumLogBytes) { [self] in
            state.withLock { $0.builds[id]?.outputComplete = true }
        }
        return TriggeredBuild(id: id)
    }

    public func status(_ build: BuildID) async throws -> BuildStatusReport {
        try closed.checkOpen()
        try checkOwned(build)
        let (current, stopNow) = try state.withLock { state -> (Build, Bool) in
            guard var current = state.builds[build] else { throw BuildError.unknownBuild(build) }
            // The process started with the trigger: the first poll always reports it running, even if it is
            // done already, so every build shows accepted -> running -> its outcome.
            guard current.polled else {
                state.builds[build]?.polled = true
                return (current, false)
            }
            if current.exitStatus == nil {
                var status: Int32 = 0
                if waitpid(current.pid, &status, WNOHANG) == current.pid {
                    current.exitStatus = status
                    current.exitedAt = .now
                }
            }
            var stopNow = false
            if current.exitStatus == nil, !current.timedOut, !current.cancelRequested, ContinuousClock.now >= current.deadline {
                current.timedOut = true
                current.killAt = .now + configuration.cancelGracePeriod
                stopNow = true
            }
            state.builds[build] = current
            Self.killOverdue(&state)
            return (current, stopNow)
        }
        if stopNow { kill(-current.pid, SIGTERM) }
        var metadata: BuildMetadata = ["log": current.directory + "/output.log"]
        guard current.polled else { return BuildStatusReport(status: .running, metadata: metadata) }
        guard let exitStatus = current.exitStatus, let exitedAt = current.exitedAt,
              current.outputComplete || ContinuousClock.now - exitedAt > Self.outputGracePeriod else { return BuildStatusReport(status: .running, metadata: metadata) }
        let exited = exitStatus & 0x7F == 0
        let code = (exitStatus >> 8) & 0xFF
        let signal = exitStatus & 0x7F
        metadata[exited ? "exitCode" : "signal"] = String(exited ? code : signal)
        if current.timedOut {
            metadata["reason"] = "timed out after \(configuration.timeout)"
            return BuildStatusReport(status: .failed, metadata: metadata)
        }
        if current.cancelRequested { return BuildStatusReport(status: .cancelled, metadata: metadata) }
        if exited, code == 126 || code == 127, let reason = Self.startFailure(log: current.directory + "/output.log") {
            let failure = BuildError(code: .providerConfiguration, kind: .infra, isRetryable: false, message: "could not start \(configuration.command[0]): \(reason)")
            return BuildStatusReport(status: .failed, metadata: metadata, failure: failure)
        }
        return BuildStatusReport(status: exited && code == 0 ? .succeeded : .failed, metadata: metadata)
    }

    /// The reason the program could not be executed (exit 126 or 127), as the launcher (`setpriv`, or `env` with a
    /// working directory) wrote it first in the log; `nil` when the log starts otherwise: then the program itself
    /// ran and exited 126 or 127, a failure of the build like any other.
    private static func startFailure(log: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: log) else { return nil }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 512)) ?? Data(), as: UTF8.self)
        guard let line = head.split(separator: "\n").first else { return nil }
        for launcher in ["setpriv: failed to execute ", "/usr/bin/env: "] where line.hasPrefix(launcher) {
            // "setpriv: failed to execute ./ci.sh: No such file or directory", "/usr/bin/env: './ci.sh': Permission denied"
            return line.split(separator: ": ").last.map(String.init)
        }
        return nil
    }

    public func cancel(_ build: BuildID) async throws {
        try closed.checkOpen()
        guard build.rawValue.hasPrefix("process:") else { throw BuildError.unknownBuild(build) }
        guard isOwned(build) else { return }  // its worker is gone, and the process with it
        let pid = try state.withLock { state -> pid_t? in
            guard var current = state.builds[build] else { throw BuildError.unknownBuild(build) }
            guard current.exitStatus == nil, !current.cancelRequested else { return nil }
            current.cancelRequested = true
            current.killAt = .now + configuration.cancelGracePeriod
            state.builds[build] = current
            return current.pid
        }
        if let pid { kill(-pid, SIGTERM) }
    }

    /// Stops every build still running (SIGKILL) and the spawner. Idempotent.
    public func close() async throws {
        closed.close()
        let running = state.withLock { state in state.builds.values.filter { $0.exitStatus == nil }.map(\.pid) }
        for pid in running {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        state.withLock { state in
            for id in state.builds.keys where state.builds[id]?.exitStatus == nil {
                state.builds[id]?.exitStatus = Int32(SIGKILL)
                state.builds[id]?.exitedAt = .now
            }
        }
        spawner.stop()
    }

    /// Sends SIGKILL to every build whose grace period after SIGTERM ended. Run by each status call, for every
    /// build: the worker polls a cancelled build, but not one it gave up on. Reaping happens only under the same
    /// lock, so an unreaped build's pid is still its own.
    private static func killOverdue(_ state: inout State) {
        let now = ContinuousClock.now
        for (id, build) in state.builds where build.exitStatus == nil && build.killAt.map({ now >= $0 }) == true {
            kill(-build.pid, SIGKILL)
            state.builds[id]?.killAt = nil
        }
    }

    private func isOwned(_ build: BuildID) -> Bool {
        build.rawValue.hasPrefix("process:\(instance):")
    }

    private func checkOwned(_ build: BuildID) throws {
        guard build.rawValue.hasPrefix("process:") else { throw BuildError.unknownBuild(build) }
        guard isOwned(build) else {
            throw BuildError(code: .workerStopped, kind: .infra, isRetryable: false,
                             message: "the worker that ran this process build stopped, and the build with it")
        }
    }
}
