import Foundation
import Synchronization

/// Standard error for the log handlers, written in batches by a thread of its own: a log line costs its formatting
/// and a lock, not a system call on the thread that logs (a worker logs every trigger and cancel at `info`, on the
/// paths that apply commands).
///
/// Lines are written in the order they were appended, in batches gathered over a few milliseconds. ``flush()``
/// writes what is pending at once; it runs when the process exits normally (`exit`, or returning from `main`), and
/// an error line is written before its `log` call returns. A crash loses at most the lines of the last few
/// milliseconds before it; a SIGKILL loses them anyway.
public final class LogOutput: Sendable {
    public static let standardError = LogOutput(descriptor: 2)

    private let descriptor: Int32
    private let pending = Mutex<[UInt8]>([])
    /// Held while writing, so that a ``flush()`` and the thread never interleave their writes.
    private let writing = Mutex<Void>(())
    private let wake = DispatchSemaphore(value: 0)

    /// How long the thread lets lines gather after the first one of a batch before writing them: a line is at most
    /// this late, and a worker logging thousands of lines a second wakes the thread and writes once per batch
    /// instead of once per line (which cost more than formatting the line).
    static let gatheringMicroseconds: UInt32 = 5_000

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        let thread = Thread { [self] in
            while true {
                wake.wait()
                usleep(Self.gatheringMicroseconds)
                writePending()
            }
        }
        thread.name = "buildrelay-log-output"
        thread.start()
        atexit { LogOutput.standardError.flush() }
    }

    /// Queues `line` (which ends with a newline) for writing; an `urgent` one (an error, which a crash may follow)
    /// is written, with everything before it, before this returns.
    public func write(_ line: [UInt8], urgent: Bool = false) {
        let wasEmpty = pending.withLock { pending in
            defer { pending.append(contentsOf: line) }
            return pending.isEmpty
        }
        if urgent {
            flush()
        } else if wasEmpty {
            wake.signal()
        }
    }

    /// Writes every line queued so far before returning.
    public func flush() {
        writePending()
    }

    private func writePending() {
        writing.withLock { _ in
            var batch: [UInt8] = []
            pending.withLock { swap(&$0, &batch) }
            batch.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 {
                        if written < 0, errno == EINTR { continue }
                        return  // standard error is gone: nothing better to do with a log line
                    }
                    offset += written
                }
            }
        }
    }
}
