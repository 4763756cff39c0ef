import Foundation

/// The workers of one scenario, started, killed and restarted by name; counts what was done to them.
final class WorkerPool {
    private let executable: String
    private let configuration: String
    private let logDirectory: URL
    private let environment: [String: String]
    private(set) var running: [WorkerProcess] = []
    private var started = 0
    private(set) var killed = 0
    private(set) var stopped = 0
    /// Workers that exited by themselves, or not 0 after SIGTERM: a crash for the report.
    private(set) var crashes: [String] = []

    init(executable: String, configuration: String, logDirectory: URL, environment: [String: String] = [:]) {
        self.environment = environment
        self.executable = executable
        self.configuration = configuration
        self.logDirectory = logDirectory
    }

    @discardableResult
    func start() throws -> WorkerProcess {
        started += 1
        let name = "worker-\(started)"
        let worker = try WorkerProcess(name: name, executable: executable, configuration: configuration,
                                       log: logDirectory.appendingPathComponent("\(name).log"), environment: environment)
        running.append(worker)
        return worker
    }

    /// SIGKILL to a random running worker.
    func killRandom() {
        guard let victim = running.randomElement() else { return }
        victim.signal(SIGKILL)
        running.removeAll { $0 === victim }
        killed += 1
    }

    /// SIGTERM to a random running worker; it must exit 0 within `timeout`.
    func stopRandom(timeout: Duration) async {
        guard let worker = running.randomElement() else { return }
        await stop(worker, timeout: timeout)
    }

    /// SIGTERM to `worker`; it must exit 0 within `timeout`.
    func stop(_ worker: WorkerProcess, timeout: Duration) async {
        running.removeAll { $0 === worker }
        worker.signal(SIGTERM)
        let status = await worker.waitForExit(timeout: timeout)
        stopped += 1
        if status != 0 { crashes.append("\(worker.name) exited \(status.map(String.init) ?? "late (killed)") after SIGTERM") }
    }

    /// Notes workers that exited unasked.
    func checkAlive() {
        for worker in running where !worker.isRunning {
            crashes.append("\(worker.name) exited by itself")
            running.removeAll { $0 === worker }
        }
    }

    /// Stops every running worker gracefully.
    func stopAll(timeout: Duration) async {
        checkAlive()
        for worker in running { await stop(worker, timeout: timeout) }
    }

    /// The last lines of every worker's log, for a failed run.
    func logTails(lines: Int = 20) -> String {
        let files = (try? FileManager.default.contentsOfDirectory(at: logDirectory, includingPropertiesForKeys: nil)) ?? []
        return files.sorted { $0.path < $1.path }.map { file in
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            return "== \(file.lastPathComponent)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
