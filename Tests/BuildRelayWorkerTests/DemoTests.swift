import BuildRelayTestSupport
import Foundation
import Testing

/// `make run` runs `buildrelay demo`: it must show builds triggered and their transitions streaming in.
@Suite(.timeLimit(.minutes(2)))
struct DemoTests {
    @Test func theDemoShowsEverySampleRequestReachingItsTerminalStatus() async throws {
        let executable = try #require(ProcessRunner.buildrelay, "the buildrelay executable is built by `swift build --build-tests`")
        let (status, output) = try await ProcessRunner.run(executable, ["demo", "--once"])
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        func line(_ requestID: String, _ status: String) -> Bool {
            lines.contains { $0.contains(" \(requestID) ") && $0.contains(" \(status) ") }
        }
        for id in ["demo-sim-1", "demo-sim-2", "demo-sim-3"] {
            #expect(line(id, "accepted") && line(id, "running"), "\(id)")
            #expect(line(id, "succeeded") || line(id, "failed"), "\(id)")
        }
        #expect(line("demo-local-ok", "succeeded"))
        #expect(line("demo-local-fails", "failed"))
        #expect(line("demo-cancelled", "cancelled"))
        #expect(line("demo-early", "cancelled"))
        #expect(line("demo-nowhere", "failed"))
        #expect(line("demo-bad", "failed"))
        #expect(lines.contains { $0.hasPrefix("dead-letter  key demo-bad") })
    }
}
