import ArgumentParser
import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import Foundation
import Logging
import Metrics

/// One size of ``FleetBenchmark``, in a process of its own so memory from one size does not count in the next.
/// Prints a ``FleetMeasurement`` as JSON.
struct FleetRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fleet-run", shouldDisplay: false)

    @Option var bootstrap: String
    @Option var builds: Int
    @Option var measureSeconds: Int
    @Option var partitions: Int

    func run() async throws {
        let pollLag = LatencyHistogram()
        MetricsSystem.bootstrap(TimerCapture(label: "buildrelay_status_poll_lag_seconds", histogram: pollLag))
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let prefix = "fleet.\(builds)"
        let every2s = PollIntervals(accepted: .seconds(2), running: .seconds(2))
        let manager = SimulatedBuildManager(configuration: .init(minimumDuration: .seconds(600), maximumDuration: .seconds(1200), failureRate: 0))
        let worker = try BenchWorker(
            bootstrap: bootstrap, prefix: prefix, queues: [BuildQueue(name: "sim", provider: "simulated", manager: manager, pollIntervals: every2s)],
            logger: logger
        ) { settings in
            settings.maxInFlightBuilds = builds
        }
        try await worker.waitUntilReady()
        let residentBefore = ProcessUsage.residentBytes()

        let producer = try KafkaProducer(configuration: .init(bootstrapServers: bootstrap), logger: logger)
        for index in 0..<builds {
            let id = "fleet-\(index)"
            try await producer.enqueue(KafkaProducerRecord(topic: "\(prefix).commands", key: Array(id.utf8), value: BenchCommands.trigger(id, queue: "sim")))
        }
        try await producer.flush(timeout: .seconds(300))
        await producer.close()
        while worker.worker.engine.publishedEventCount < builds { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .seconds(4))  // two poll rounds: every build is polled on its schedule

        pollLag.reset()
        let cpuStart = ProcessUsage.cpuTime()
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(measureSeconds))
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu = (ProcessUsage.cpuTime() - cpuStart).seconds
        let resident = ProcessUsage.residentBytes()
        let measurement = FleetMeasurement(
            builds: builds, residentMB: Double(resident) / 1_048_576,
            residentBytesPerBuild: Double(resident - residentBefore) / Double(builds),
            cpuPercent: cpu / elapsed * 100, pollsPerSecond: Double(pollLag.count) / elapsed,
            pollLagP50Milliseconds: pollLag.milliseconds(atPercentile: 50), pollLagP99Milliseconds: pollLag.milliseconds(atPercentile: 99),
            pollLagMaxMilliseconds: pollLag.maxMilliseconds)
        print(String(decoding: try JSONEncoder().encode(measurement), as: UTF8.self))
        fflush(nil)
        Foundation.exit(0)  // a fleet this size takes a while to shut down, and nothing of it needs to be kept
    }
}
