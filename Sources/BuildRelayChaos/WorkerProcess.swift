import Foundation

/// One `buildrelay worker` child process, its output appended to a log file.
final class WorkerProcess {
    let name: String
    let log: URL
    private let process = Process()

    /// Starts `buildrelay worker --config configuration`.
    /// `environment` is added to this process's.
    init(name: String, executable: String, configuration: String, log: URL, environment: [String: String] = [:]) throws {
        self.name = name
        self.log = log
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let output = try FileHandle(forWritingTo: log)
        output.seekToEndOfFile()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["worker", "--config", configuration]
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
        try output.close()
    }

    var pid: Int32 { process.processIdentifier }

    /// The worker has joined its group and restored partitions it was given (its log says so).
    var ownsPartitions: Bool { (try? String(contentsOf: log, encoding: .utf8))?.contains("partitions restored") ?? false }
    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits up to `timeout` for the process to exit; its exit status, or `nil` if it still runs (it is then killed).
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
