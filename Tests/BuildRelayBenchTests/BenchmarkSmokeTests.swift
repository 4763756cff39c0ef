import BuildRelayTestSupport
import Testing

/// Every benchmark scenario at a tiny size, without thresholds (speed is `make bench`'s business), so none of them
/// rots: each must run to its end and print its report table.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct BenchmarkSmokeTests {
    static let scenarios: [(arguments: [String], table: String)] = [
        (["transport", "--messages", "2000", "--partitions", "4", "--rounds", "1"], "| path | ours (msg/s) | kcat (msg/s) | ours / kcat |"),
        (["drain", "--commands", "300", "--partitions", "4", "--rounds", "1"], "| drain |"),
        (["latency", "--rate", "100", "--seconds", "1", "--partitions", "4", "--rounds", "1"], "| 100/s | margin: worker − echo |"),
        (["fleet", "--builds", "50", "--builds", "100", "--measure-seconds", "2", "--partitions", "4"], "| 100 |"),
        (["soak", "--seconds", "4", "--rate", "50", "--warm-up-seconds", "1", "--sample-seconds", "1", "--partitions", "4"], "| 200 | 200 | 0 |"),
        (["vendor", "--builds", "6", "--workers", "2", "--limit", "60", "--min-seconds", "1", "--max-seconds", "2", "--partitions", "4",
          "--deadline-seconds", "120"], "| followed by | all terminal after (s) |"),
    ]

    @Test(arguments: scenarios.indices)
    func scenarioRunsToItsReport(_ index: Int) async throws {
        let bench = try #require(ProcessRunner.builtExecutable("buildrelay-bench"), "swift build --build-tests builds buildrelay-bench")
        let scenario = Self.scenarios[index]
        let (status, output) = try await ProcessRunner.run(bench, scenario.arguments)
        #expect(status == 0, "\(scenario.arguments.joined(separator: " ")):\n\(output)")
        #expect(output.contains(scenario.table), "\(scenario.arguments.joined(separator: " ")):\n\(output)")
    }
}
