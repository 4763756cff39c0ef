import BuildRelayTestSupport
import Foundation
import Testing

/// The README's first steps, run as a user would: its "Running workers" block verbatim (broker, sample script,
/// configuration, worker, trigger, cancel, wait), then the "Where is a build?" commands, in a new directory with
/// the built `buildrelay` first in `PATH`.
@Suite(.timeLimit(.minutes(3)))
struct ReadmeTests {
    /// The lines of the first ```sh block after `heading`.
    static func block(after heading: String) throws -> [String] {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "\n\(heading)\n")).upperBound
        let start = try #require(readme.range(of: "```sh\n", range: section..<readme.endIndex)).upperBound
        let end = try #require(readme.range(of: "\n```", range: start..<readme.endIndex)).lowerBound
        return readme[start..<end].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test("the first steps work verbatim: the build of req-1 is cancelled, and status, builds and events say so")
    func firstSteps() async throws {
        let executable = try #require(ProcessRunner.buildrelay)
        let running = try Self.block(after: "## Running workers")
        let commandsStart = try #require(running.firstIndex { $0.hasPrefix("buildrelay events ") }, "the block ends with an events command")
        // Commands that end on their own: not the endless --follow, not curl (the worker's port is 0 here).
        let queries = try Self.block(after: "### Where is a build?").filter { !$0.contains("--follow") && !$0.hasPrefix("curl") }
        // Each command's output and exit status go to files of their own: the background worker and broker share the
        // terminal, and their log lines would interleave with the commands' output.
        let commands = Array(running[commandsStart...] + queries)
        let script = (["trap 'kill $(jobs -p) 2>/dev/null; for _ in $(seq 150); do [ -z \"$(jobs -rp)\" ] && break; sleep 0.2; done; kill -9 $(jobs -rp) 2>/dev/null; wait' EXIT", "set -e"] + running[..<commandsStart] + ["set +e"]
            + commands.enumerated().map { index, command in "{\n\(command)\n} > command-\(index).out 2>&1; echo $? > command-\(index).exit" })
            .joined(separator: "\n")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("readme"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildProcess(
            "/bin/bash", ["-c", script],
            environment: ProcessInfo.processInfo.environment.merging([
                "PATH": URL(fileURLWithPath: executable).deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "BUILDRELAY_HTTP_PORT": "0",  // the README's 9090 may be taken on a shared machine
            ]) { $1 },
            directory: directory.path, output: .pipe, errorToOutput: true)
        let (bytes, exitStatus) = await child.finish()
        let output = String(decoding: bytes, as: UTF8.self)
        #expect(exitStatus == 0, "\(output)")
        func read(_ name: String) -> String {
            ((try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let results = commands.indices.map { (command: commands[$0], output: read("command-\($0).out"), exit: read("command-\($0).exit")) }
        func result(_ prefix: String) -> (command: String, output: String, exit: String)? { results.first { $0.command.hasPrefix(prefix) } }
        let wait = try #require(result("buildrelay events --config buildrelay.yaml --request-id req-1 --wait "), "\(output)")
        #expect(wait.exit == "4", "cancelled: \(wait)")
        #expect(wait.output.contains("req-1") && wait.output.contains("cancelled"), "\(wait)")
        let status = try #require(result("buildrelay status req-1"), "\(output)")
        #expect(status.exit == "0" && status.output.hasPrefix("req-1: cancelled since "), "\(status)")
        #expect(status.output.contains("requested: superseded"), "\(status)")
        let inFlight = try #require(results.first { $0.command.hasPrefix("buildrelay builds ") && !$0.command.contains("--status") }, "\(output)")
        #expect(inFlight.exit == "0" && inFlight.output == "no builds in flight", "\(inFlight)")
        let summary = try #require(result("buildrelay events --config buildrelay.yaml --from 1h --summary"), "\(output)")
        #expect(summary.exit == "0" && summary.output.hasPrefix("req-1  local  cancelled  #"), "\(summary)")
        #expect(results.allSatisfy { $0.exit == "0" || $0.command.contains("--wait") }, "\(results)")
    }
}
