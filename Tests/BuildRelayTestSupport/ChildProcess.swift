import Foundation
import Synchronization

/// A program the tests start, through `posix_spawn`. Not Foundation's `Process`: its `run()` reads `/proc/self/fd`
/// to close inherited descriptors and crashed (a read past a buffer, in memcpy) when the test process had many
/// descriptors open, as it does with brokers, HTTP servers and clients running.
public final class ChildProcess: Sendable {
    public enum Output: Sendable {
        /// Read it with ``readOutput()`` or ``readLine()``.
        case pipe
        /// Appended to this file.
        case file(String)
        case discard
    }

    public let pid: pid_t
    private let outputDescriptor: Int32?
    private let inputDescriptor: Mutex<Int32?>
    private let exitStatus = Mutex<Int32?>(nil)

    /// `environment` replaces this process's variables (`nil`: inherit them); standard error goes where standard
    /// output goes when `errorToOutput`, else nowhere; with `input`, write standard input with ``writeInput(_:)``.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: Bool = false, output: Output = .pipe, errorToOutput: Bool = false
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var opened: [Int32] = []
        defer { for descriptor in opened { close(descriptor) } }

        var inputWrite: Int32?
        if input {
            let ends = try Self.pipe()
            opened.append(ends[0])
            inputWrite = ends[1]
            posix_spawn_file_actions_adddup2(&actions, ends[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        var outputRead: Int32?
        switch output {
        case .pipe:
            let ends = try Self.pipe()
            outputRead = ends[0]
            opened.append(ends[1])
            posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        case .discard:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        if errorToOutput {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        // posix_spawn_file_actions_addchdir_np is not visible to Swift: env(1) changes the directory.
        let program = directory == nil ? executable : "/usr/bin/env"
        let argv = directory.map { ["/usr/bin/env", "--chdir", $0, executable] + arguments } ?? [executable] + arguments
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = Self.withCStrings(argv) { argv in
            Self.withCStrings(variables) { envp in posix_spawn(&pid, program, &actions, nil, argv, envp) }
        }
        guard status == 0 else {
            if let outputRead { close(outputRead) }
            if let inputWrite { close(inputWrite) }
            throw Self.failure("posix_spawn \(executable)", status)
        }
        self.pid = pid
        self.outputDescriptor = outputRead
        self.inputDescriptor = Mutex(inputWrite)
    }

    deinit {
        if exitStatus.withLock({ $0 }) == nil { _ = Foundation.kill(pid, SIGKILL); _ = waitForExit() }
        if let outputDescriptor { close(outputDescriptor) }
        if let input = inputDescriptor.withLock({ $0 }) { close(input) }
    }

    /// Writes `bytes` to standard input, then closes it.
    public func writeInput(_ bytes: [UInt8]) {
        guard let descriptor = inputDescriptor.withLock({ descriptor in defer { descriptor = nil }; return descriptor }) else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 { if errno == EINTR { continue } else { break } }
            offset += written
        }
        close(descriptor)
    }

    /// Standard output until the program closes it. Blocks: call it off Swift's cooperative threads.
    public func readOutput() -> [UInt8] {
        var result: [UInt8] = []
        while let chunk = read(maximum: 65_536) { result += chunk }
        return result
    }

    /// Standard output until the program closes it, and its exit status, read on a dispatch thread: a test awaiting
    /// a program never holds one of Swift's few cooperative threads (which other tests' workers need).
    public func finish() async -> (output: [UInt8], status: Int32) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let output = self.readOutput()
                continuation.resume(returning: (output, self.waitForExit()))
            }
        }
    }

    /// The next line of standard output, without its newline; `nil` at the end. Blocks.
    public func readLine() -> String? {
        var bytes: [UInt8] = []
        while let byte = read(maximum: 1) {
            if byte.first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes += byte
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    private func read(maximum: Int) -> [UInt8]? {
        guard let outputDescriptor else { return nil }
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(outputDescriptor, $0.baseAddress, maximum) }
            if count < 0, errno == EINTR { continue }
            return count > 0 ? Array(buffer[..<count]) : nil
        }
    }

    public func kill(_ signal: Int32) { _ = Foundation.kill(pid, signal) }

    /// The exit status (or 128 + the signal), once the program ended; `nil` while it runs.
    public var exitStatusIfExited: Int32? {
        if let status = exitStatus.withLock({ $0 }) { return status }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
        return record(raw)
    }

    /// Waits for the program to end. Blocks: call it off Swift's cooperative threads.
    @discardableResult
    public func waitForExit() -> Int32 {
        if let status = exitStatus.withLock({ $0 }) { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 {
            guard errno == EINTR else { return exitStatus.withLock { $0 } ?? -1 }
        }
        return record(raw)
    }

    private func record(_ raw: Int32) -> Int32 {
        let status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        exitStatus.withLock { $0 = status }
        return status
    }

    /// A pipe whose ends are not inherited by programs started later.
    private static func pipe() throws -> [Int32] {
        var ends: [Int32] = [0, 0]
        guard Foundation.pipe(&ends) == 0 else { throw failure("pipe") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return ends
    }

    private static func failure(_ what: String, _ code: Int32 = errno) -> NSError {
        NSError(domain: NSPOSIXErrorDomain, code: Int(code), userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(code)))"])
    }

    private static func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
