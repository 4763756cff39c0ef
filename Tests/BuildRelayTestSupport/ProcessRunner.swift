import Foundation

/// Locates and runs helper programs (kcat, the built `buildrelay` executable) for interop tests.
public enum ProcessRunner {
    /// The first executable called `name` on `PATH`.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static var kcat: String? { which("kcat") }

    /// The `buildrelay` executable built next to this test bundle (`swift build --build-tests` builds it).
    public static var buildrelay: String? { builtExecutable("buildrelay") }

    /// The executable product `name` of this package, built next to this test bundle.
    public static func builtExecutable(_ name: String) -> String? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // The test binary may sit inside a bundle directory (…/debug/buildrelayPackageTests.xctest).
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

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
    /// replaces) this process's variables for the program; tests never `setenv`, since programs are started from
    /// other threads meanwhile.
    public static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, includeStandardError: Bool = false, environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        let child = try ChildProcess(
            executable, arguments, environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 },
            input: input != nil, output: .pipe, errorToOutput: includeStandardError)
        if let input { child.writeInput(Array(input)) }
        let output = child.readOutput()
        return (child.waitForExit(), String(decoding: output, as: UTF8.self))
    }
}
