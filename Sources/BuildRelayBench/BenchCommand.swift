import ArgumentParser

/// `buildrelay-bench`: BuildRelay's benchmarks. Each scenario prints our figure next to a reference measured in
/// the same run on the same embedded broker, and the ratio.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buildrelay-bench",
        abstract: "Benchmarks against same-run references on the embedded broker.",
        subcommands: [TransportBenchmark.self, DrainBenchmark.self, LatencyBenchmark.self, FleetBenchmark.self, FleetRun.self, SoakBenchmark.self, VendorBenchmark.self],
        defaultSubcommand: TransportBenchmark.self
    )
}
