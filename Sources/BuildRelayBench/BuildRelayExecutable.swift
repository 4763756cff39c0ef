import Foundation

/// The `buildrelay` executable built next to this benchmark, which it runs as the broker and as workers.
enum BuildRelayExecutable {
    /// Its path; throws if it was not built.
    static func path() throws -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("buildrelay").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchFailure("\(executable) not found: build the buildrelay product first (make bench does)")
        }
        return executable
    }
}
