import Foundation
import Synchronization

/// Locates and runs helper programs (kcat, the built `buildrelay` executable) for interop tests.
public enum ProcessRunner {
    /// The first executable called `name` on `PATH`.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static var kcat: String? { which("kcat") }

    /// The `buildrelay` executable built next to this test bundle (`swift build --build-tests` builds it).
    public static var buildrelay: String? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // The test binary may sit inside a bundle directory (…/debug/buildrelayPackageTests.xctest).
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("buildrelay").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    private static let spawning = Mutex(())

    /// Runs a program to completion with `input` on standard input; returns its exit status and standard output.
    /// ``run(_:_:input:includeStandardError:)`` on a dispatch thread, so a test waiting for a program never holds
    /// one of Swift's few cooperative threads (which other tests' tasks need to make progress).
    public static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, includeStandardError: Bool = false, environment: [String: String] = [:]
    ) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try run(executable, arguments, input: input, includeStandardError: includeStandardError, environment: environment) as (status: Int32, output: String)
                })
            }
        }
    }

    /// With `includeStandardError`, standard error is captured into the output too. `environment` adds to (or
    /// replaces) this process's variables for the program; tests never `setenv`, since processes are started from
    /// other threads meanwhile.
    public static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, includeStandardError: Bool = false, environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = includeStandardError ? output : FileHandle.nullDevice
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        // swift-corelibs-foundation's Process.run() crashed (in memcpy) when a dozen tests started programs at
        // once: starts are serialised; the programs still run in parallel.
        try spawning.withLock { _ in try process.run() }
        if let input {
            inputPipe.fileHandleForWriting.write(input)
            try inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
