import Foundation

/// How the `process` provider runs a queue's builds (`queues.<name>.process` in the configuration).
public struct ProcessBuildConfiguration: Sendable, Hashable {
    /// The program and its arguments (no shell: use `["/bin/sh", "-c", "..."]` for one).
    public var command: [String]
    /// Where the command runs; the worker's directory when `nil`.
    public var workingDirectory: String?
    /// A build still running this long after its start is stopped and reported `failed`.
    public var timeout: Duration
    /// Between SIGTERM and SIGKILL when a build is cancelled or times out.
    public var cancelGracePeriod: Duration
    /// Each build gets a directory here with its changes, metadata and output.
    public var buildsDirectory: String
    /// The output log keeps the first this-many bytes, then notes how many were dropped.
    public var maximumLogBytes: Int

    public init(
        command: [String], workingDirectory: String? = nil, timeout: Duration = .seconds(1800), cancelGracePeriod: Duration = .seconds(10),
        buildsDirectory: String = FileManager.default.temporaryDirectory.appendingPathComponent("buildrelay-builds").path,
        maximumLogBytes: Int = 1 << 20
    ) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.cancelGracePeriod = cancelGracePeriod
        self.buildsDirectory = buildsDirectory
        self.maximumLogBytes = maximumLogBytes
    }
}
