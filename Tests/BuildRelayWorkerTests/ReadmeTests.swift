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
        let script = (["trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT", "set -e"] + running[..<commandsStart] + ["set +e"]
            + (running[commandsStart...] + queries).map { "echo \"\\$ \($0.replacingOccurrences(of: "\"", with: "\\\""))\"\n\($0)\necho \"== exit $?\"" })
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
        let output = String(decoding: child.readOutput(), as: UTF8.self)
        #expect(child.waitForExit() == 0, "\(output)")
        // Each command's echo, its output, and its exit line; the background worker's and broker's log lines, which
        // share the terminal, are left out.
        let results = output.components(separatedBy: "\n$ ").dropFirst().map { chunk -> (command: String, output: String, exit: String) in
            let lines = chunk.split(separator: "\n").map(String.init).filter { !$0.contains(" buildrelay.worker: ") && !$0.contains(" buildrelay.broker: ") }
            let exit = lines.firstIndex { $0.hasPrefix("== exit ") } ?? lines.endIndex
            return (lines.first ?? "", lines[min(1, exit)..<exit].joined(separator: "\n"), exit < lines.endIndex ? lines[exit] : "")
        }
        func result(_ prefix: String) -> (command: String, output: String, exit: String)? { results.first { $0.command.hasPrefix(prefix) } }
        let wait = try #require(result("buildrelay events --config buildrelay.yaml --request-id req-1 --wait "), "\(output)")
        #expect(wait.exit == "== exit 4", "cancelled: \(wait)")
        #expect(wait.output.contains("req-1") && wait.output.contains("cancelled"), "\(wait)")
        let status = try #require(result("buildrelay status req-1"), "\(output)")
        #expect(status.exit == "== exit 0" && status.output.hasPrefix("req-1: cancelled since "), "\(status)")
        #expect(status.output.contains("requested: superseded"), "\(status)")
        let inFlight = try #require(results.first { $0.command.hasPrefix("buildrelay builds ") && !$0.command.contains("--status") }, "\(output)")
        #expect(inFlight.exit == "== exit 0" && inFlight.output == "no builds in flight", "\(inFlight)")
        let summary = try #require(result("buildrelay events --config buildrelay.yaml --from 1h --summary"), "\(output)")
        #expect(summary.exit == "== exit 0" && summary.output.hasPrefix("req-1  local  cancelled  #"), "\(summary)")
        #expect(results.allSatisfy { $0.exit == "== exit 0" || $0.command.contains("--wait") }, "\(output)")
    }
}
