import BuildRelayTestSupport
import Testing

/// The short variant of `make chaos`: every scenario at a small size, against real worker processes, with its
/// invariants checked (the chaos executable exits 1 if any failed).
@Suite(.serialized, .timeLimit(.minutes(10)))
struct ChaosSmokeTests {
    @Test(arguments: ["killed-workers", "broker-faults", "rebalance-storm", "provider-faults", "bad-input", "graceful-shutdown"])
    func scenarioKeepsTheContract(_ scenario: String) async throws {
        let chaos = try #require(ProcessRunner.builtExecutable("buildrelay-chaos"), "swift build --build-tests builds buildrelay-chaos")
        let (status, output) = try await ProcessRunner.run(chaos, ["--scenario", scenario, "--short"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("| \(scenario) |") && output.contains("| pass |"), "\(output)")
    }
}
