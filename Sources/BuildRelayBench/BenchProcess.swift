import Foundation

/// This benchmark executable run again as a child process, for scenarios measured in a fresh process.
enum BenchProcess {
    /// Runs `buildrelay-bench arguments…` to completion and returns its standard output; throws on a non-zero exit.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchFailure("buildrelay-bench \(arguments.first ?? "") exited \(process.terminationStatus)") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
