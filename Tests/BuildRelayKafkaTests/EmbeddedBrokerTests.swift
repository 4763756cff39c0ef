import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Testing

/// `buildrelay broker` and the transport benchmark, which run the embedded broker themselves.
@Suite("The embedded broker", .enabled(if: ProcessRunner.kcat != nil, "kcat is not installed (make test installs it with apt-get)"), .timeLimit(.minutes(3)))
struct EmbeddedBrokerTests {
    @Test("`buildrelay broker` prints only the bootstrap list first, serves kcat, and exits 0 on SIGTERM")
    func brokerCommandServesKcat() async throws {
        let executable = try #require(ProcessRunner.buildrelay, "the buildrelay executable is built by `swift build --build-tests`")
        let broker = try ChildProcess(executable, ["broker", "--brokers", "2", "--topic", "interop:3"], output: .pipe)
        let firstLine = try await withDeadline(30, "bootstrap line") { broker.readLine() ?? "" }
        let entries = firstLine.split(separator: ",")
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0.hasPrefix("127.0.0.1:") && Int($0.dropFirst("127.0.0.1:".count)) != nil })

        let kcat = try #require(ProcessRunner.kcat)
        let metadata = try await ProcessRunner.run(kcat, ["-L", "-b", firstLine])
        #expect(metadata.status == 0)
        #expect(metadata.output.contains("2 brokers:"))
        for topic in ["build.commands", "build.status", "build.state", "build.commands.dlq"] {
            #expect(metadata.output.contains("topic \"\(topic)\" with 12 partitions"))
        }
        #expect(metadata.output.contains("topic \"interop\" with 3 partitions"))

        #expect(try await ProcessRunner.run(kcat, ["-P", "-b", firstLine, "-t", "interop", "-p", "1"], input: Data("ping\n".utf8)).status == 0)
        let echoed = try await ProcessRunner.run(kcat, ["-C", "-b", firstLine, "-t", "interop", "-p", "1", "-o", "beginning", "-e", "-q"])
        #expect(echoed.output == "ping\n")

        broker.kill(SIGTERM)
        #expect(try await withDeadline(30, "broker exit") { broker.waitForExit() } == 0)
    }

    @Test("the transport benchmark runs end to end at a tiny size (no thresholds), so it cannot rot")
    func transportBenchmarkSmoke() async throws {
        let buildrelay = try #require(ProcessRunner.buildrelay, "the buildrelay executable is built by `swift build --build-tests`")
        let bench = URL(fileURLWithPath: buildrelay).deletingLastPathComponent().appendingPathComponent("buildrelay-bench").path
        let result = try await withDeadline(120, "benchmark smoke run") {
            try await ProcessRunner.run(bench, ["transport", "--messages", "2000", "--partitions", "4", "--rounds", "1"])
        }
        #expect(result.status == 0)
        #expect(result.output.contains("| produce |"))
        #expect(result.output.contains("| consume (headers not read, like kcat's format) |"))
        #expect(result.output.contains("| consume, headers read (the default) |"))
    }
}
