import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Copies a child's output from a pipe into a log file on its own thread, keeping at most `limit` bytes and
/// noting how many it dropped. Ends when every writer closed the pipe, then calls `done`.
enum OutputCapture {
    /// Starts copying from `pipe` (the read end, which it closes when done) to `file` (which it also closes).
    static func start(pipe: Int32, file: Int32, limit: Int, done: @escaping @Sendable () -> Void) {
        let thread = Thread {
            var written = 0
            var dropped = 0
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(pipe, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                let kept = min(count, limit - written)
                if kept > 0 {
                    buffer.withUnsafeBytes { _ = write(file, $0.baseAddress, kept) }
                    written += kept
                }
                dropped += count - kept
            }
            if dropped > 0 {
                let note = Array("\n[buildrelay: output truncated, \(dropped) more bytes dropped]\n".utf8)
                note.withUnsafeBytes { _ = write(file, $0.baseAddress, $0.count) }
            }
            Glibc.close(pipe)
            Glibc.close(file)
            done()
        }
        thread.name = "buildrelay-process-output"
        thread.start()
    }
}
