import ArgumentParser
import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import Foundation
import Logging

/// Many builds in flight at once on `simulated` (10–20 minute builds, polled every 2 s): for each fleet size, in a
/// fresh process, the worker's resident memory, CPU and status-poll lag once every build is tracked, and the cost
/// per tracked build, so growth from 1k to 100k shows.
struct FleetBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet", abstract: "Memory, CPU and poll lag with many builds tracked at once.")

    @Option(name: .customLong("builds"), help: "Tracked builds (repeatable; each size runs in its own process).")
    var sizes: [Int] = [1_000, 10_000, 100_000]
    @Option(help: "Seconds measured once every build is tracked.") var measureSeconds = 30
    @Option(help: "Partitions per topic.") var partitions = 64

    func run() async throws {
        var topics: [String: Int] = [:]
        for size in sizes { for topic in BenchWorker.topics("fleet.\(size)") { topics[topic] = partitions } }
        let broker = try BrokerProcess(topics: topics)
        defer { broker.stop() }
        var rows: [FleetMeasurement] = []
        for size in sizes {
            let output = try BenchProcess.run(["fleet-run", "--bootstrap", broker.bootstrapServers, "--builds", "\(size)",
                                               "--measure-seconds", "\(measureSeconds)", "--partitions", "\(partitions)"])
            let measurement = try JSONDecoder().decode(FleetMeasurement.self, from: Data(output.utf8))
            print(String(format: "%d builds: RSS %.0f MB, CPU %.0f%%, poll lag p99 %.0f ms", size, measurement.residentMB,
                         measurement.cpuPercent, measurement.pollLagP99Milliseconds))
            rows.append(measurement)
        }
        print("")
        print("fleet: simulated builds of 10–20 min polled every 2 s, \(measureSeconds) s measured per size, \(partitions) partitions")
        print("| tracked builds | RSS (MB) | RSS per build (KB) | CPU (% of a core) | CPU per build (µs/s) | status polls/s | poll lag p50 / p99 / max (ms) |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        for row in rows {
            print(String(format: "| %d | %.0f | %.2f | %.0f | %.2f | %.0f | %.1f / %.1f / %.1f |", row.builds, row.residentMB,
                         row.residentBytesPerBuild / 1024, row.cpuPercent, row.cpuPercent * 1e4 / Double(row.builds),
                         row.pollsPerSecond, row.pollLagP50Milliseconds, row.pollLagP99Milliseconds, row.pollLagMaxMilliseconds))
        }
    }
}

/// What one fleet size measured, passed from its process to the report as JSON.
struct FleetMeasurement: Codable {
    var builds: Int
    var residentMB: Double
    /// Resident memory added by the tracked builds (after loading minus before), per build.
    var residentBytesPerBuild: Double
    var cpuPercent: Double
    var pollsPerSecond: Double
    var pollLagP50Milliseconds: Double
    var pollLagP99Milliseconds: Double
    var pollLagMaxMilliseconds: Double
}
