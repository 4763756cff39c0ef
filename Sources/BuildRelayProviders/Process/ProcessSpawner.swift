import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes from one long-lived thread, each in its own process group and with a parent-death
/// signal (`setpriv --pdeathsig KILL`), so no build outlives its worker, even one killed with SIGKILL.
///
/// Linux delivers the parent-death signal when the *thread* that started the child ends; this thread lives until
/// ``stop()``, so children never die because an idle pool thread was retired.
final class ProcessSpawner: Sendable {
    struct Request: Sendable {
        var arguments: [String]
        var environment: [String: String]
        var workingDirectory: String?
    }

    /// A started child: its pid (also its process group id) and the read end of a pipe that carries its standard
    /// output and error.
    struct Child: Sendable {
        var pid: pid_t
        var output: Int32
    }

    private struct Pending: Sendable {
        var request: Request
        var continuation: CheckedContinuation<Child, any Error>
    }

    private let pending = Mutex<[Pending]?>([])
    private let wake = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [self] in
            while true {
                wake.wait()
                guard let next = pending.withLock({ queue -> Pending?? in
                    guard var list = queue else { return .none }
                    defer { queue = list }
                    return list.isEmpty ? .some(nil) : .some(list.removeFirst())
                }) else { return }
                guard let next else { continue }
                next.continuation.resume(with: Result { try Self.spawn(next.request) })
            }
        }
        thread.name = "buildrelay-process-spawner"
        thread.start()
    }

    /// Starts the child, its standard input `/dev/null`.
    func spawn(_ request: Request) async throws -> Child {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = pending.withLock { queue in
                guard queue != nil else { return false }
                queue?.append(Pending(request: request, continuation: continuation))
                return true
            }
            guard accepted else { return continuation.resume(throwing: SpawnError(message: "the process spawner is stopped")) }
            wake.signal()
        }
    }

    /// Ends the thread (which holds the spawner until then); children started by it receive SIGKILL.
    func stop() {
        let waiting = pending.withLock { queue in
            defer { queue = nil }
            return queue ?? []
        }
        for request in waiting { request.continuation.resume(throwing: SpawnError(message: "the process spawner is stopped")) }
        wake.signal()
    }

    struct SpawnError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Runs on the spawner thread only, so no other child started here can inherit this child's pipe.
    private static func spawn(_ request: Request) throws -> Child {
        var directory: [String] = []
        if let workingDirectory = request.workingDirectory { directory = ["/usr/bin/env", "--chdir=\(workingDirectory)", "--"] }
        let arguments = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] + directory + request.arguments
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw SpawnError(message: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        defer { Glibc.close(pipeEnds[1]) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = request.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, "/usr/bin/setpriv", &actions, &attributes, argv, envp)
        guard result == 0 else {
            Glibc.close(pipeEnds[0])
            throw SpawnError(message: "cannot start \(request.arguments.first ?? ""): \(String(cString: strerror(result)))")
        }
        return Child(pid: pid, output: pipeEnds[0])
    }
}
