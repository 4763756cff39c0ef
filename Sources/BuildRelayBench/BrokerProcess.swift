import Foundation

/// `buildrelay broker` as a child process, so every client under test (ours and kcat) talks to the broker
/// from outside its process, on equal terms.
final class BrokerProcess {
    let bootstrapServers: String
    private let process: Process

    /// Starts the broker with exactly `topics` (name → partitions) and waits for its bootstrap line.
    init(topics: [String: Int]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: try BuildRelayExecutable.path())
        process.arguments = ["broker", "--no-default-topics"] + topics.sorted { $0.key < $1.key }.flatMap { ["--topic", "\($0.key):\($0.value)"] }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != UInt8(ascii: "\n") {
            line.append(first)
        }
        guard !line.isEmpty else { throw BenchFailure("the broker printed no bootstrap line") }
        bootstrapServers = String(decoding: line, as: UTF8.self)
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }
}
