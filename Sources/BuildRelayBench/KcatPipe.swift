import Foundation

/// The raw reference relay: `kcat -C` piped into `kcat -P`, copying keyed records from one topic to another.
final class KcatPipe {
    private let consumer = Process()
    private let producer = Process()

    /// Copies what `input` holds when the consumer reaches its end. (Not a streaming relay: `kcat -P` produces
    /// what it reads from a pipe only at the pipe's end.)
    init(kcat: String, bootstrap: String, from input: String, to output: String) throws {
        let pipe = Pipe()
        consumer.executableURL = URL(fileURLWithPath: kcat)
        consumer.arguments = ["-C", "-b", bootstrap, "-t", input, "-o", "beginning", "-q", "-f", "%k:%s\n", "-e"]
        consumer.standardOutput = pipe
        consumer.standardError = FileHandle.standardError
        producer.executableURL = URL(fileURLWithPath: kcat)
        producer.arguments = ["-P", "-b", bootstrap, "-t", output, "-K", ":"]
        producer.standardInput = pipe
        producer.standardError = FileHandle.standardError
        try producer.run()
        try consumer.run()
        // The children hold the pipe now; the producer sees its end only when no copy of the write end is open.
        try? pipe.fileHandleForWriting.close()
        try? pipe.fileHandleForReading.close()
    }

    /// Waits for both processes; throws if either failed.
    func waitUntilExit() throws {
        consumer.waitUntilExit()
        producer.waitUntilExit()
        guard consumer.terminationStatus == 0, producer.terminationStatus == 0 else {
            throw BenchFailure("the kcat pipe exited \(consumer.terminationStatus) | \(producer.terminationStatus)")
        }
    }
}
