import Foundation

/// `buildrelay worker` as a child process with a generated configuration, so its memory is measured alone, as
/// users run it.
final class WorkerChildProcess {
    private let process = Process()
    private let log: URL
    private let directory: URL

    /// `yaml` is the configuration file's text; `wrapper` runs the worker under a tool (`heaptrack`, `valgrind
    /// --tool=massif`, …), whose process then is the one measured.
    init(yaml: String, wrapper: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("buildrelay-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = directory.appendingPathComponent("worker.yaml")
        try yaml.write(to: configuration, atomically: true, encoding: .utf8)
        log = directory.appendingPathComponent("worker.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = wrapper + [try BuildRelayExecutable.path(), "worker", "--config", configuration.path]
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try output.close()
    }

    /// The product as shipped: `buildrelay worker` with the README's configuration and one `noop` queue, `fast`, on
    /// the topics `<prefix>.commands`, `.status`, `.state` and `.dlq`, plus librdkafka `properties`.
    convenience init(noopWorkerOn bootstrap: String, prefix: String, properties: [String: String]) throws {
        try self.init(yaml: """
            kafka:
              bootstrapServers: \(bootstrap)
              groupId: \(prefix).group
              properties: {\(properties.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", "))}
            topics: {commands: \(prefix).commands, status: \(prefix).status, state: \(prefix).state, deadLetter: \(prefix).dlq}
            logging: {level: info, format: text}
            http: {port: 0}
            queues:
              fast: {provider: noop}
            """)
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits until the worker logged that it restored its partitions, reading its log every `pollEvery`.
    func waitUntilReady(timeout: Duration = .seconds(60), pollEvery interval: Duration = .milliseconds(50)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !((try? String(contentsOf: log, encoding: .utf8))?.contains("partitions restored") ?? false) {
            guard process.isRunning, ContinuousClock.now < deadline else { throw BenchFailure("the worker did not become ready; see \(log.path)") }
            try await Task.sleep(for: interval)
        }
    }

    /// SIGTERM, then waits for the exit; throws unless it exited 0.
    func stop() throws {
        process.terminate()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchFailure("the worker exited \(process.terminationStatus); see \(log.path)") }
        try? FileManager.default.removeItem(at: directory)
    }
}
