import ArgumentParser
import BuildRelayCore
import BuildRelayKafka
import Foundation
import Logging

/// Triggers at a steady rate on `simulated` with short builds for a long time, request ids forgotten after a
/// minute: the resident memory of the worker (a `buildrelay worker` process of its own), sampled as it runs, must
/// stay flat after warm-up, and every trigger must get its terminal event. Reads the status topic as it goes (the
/// embedded broker keeps 5 MiB per partition).
struct SoakBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak", abstract: "Memory over a long steady load; every trigger's terminal event.")

    @Option(help: "Seconds of load.") var seconds = 600
    @Option(help: "Triggers per second.") var rate = 2_000
    @Option(help: "Seconds after which memory must stay flat (growth is measured from then to the end).") var warmUpSeconds = 120
    @Option(help: "Seconds between memory samples.") var sampleSeconds = 10
    @Option(help: "Partitions per topic.") var partitions = 16
    @Option(help: "A command that runs the worker, such as `heaptrack` (split at spaces; the worker's command line follows).")
    var workerWrapper: String?

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let prefix = "soak"
        let broker = try BrokerProcess(topics: Dictionary(uniqueKeysWithValues: BenchWorker.topics(prefix).map { ($0, partitions) }))
        defer { broker.stop() }
        let worker = try WorkerChildProcess(yaml: """
            kafka:
              bootstrapServers: \(broker.bootstrapServers)
              groupId: soak
            topics: {commands: soak.commands, status: soak.status, state: soak.state, deadLetter: soak.dlq}
            worker: {pollInterval: {accepted: 500ms, running: 500ms}, requestRetention: 1m}
            logging: {level: info, format: text}
            http: {port: 0}
            queues:
              short:
                provider: simulated
                simulated: {minDuration: 1s, maxDuration: 3s, failureRate: 0.1}
            """, wrapper: workerWrapper.map { $0.split(separator: " ").map(String.init) } ?? [])
        try await worker.waitUntilReady()
        let total = rate * seconds
        let outcomes = TerminalOutcomes(count: total)
        let tail = try TopicTail(bootstrap: broker.bootstrapServers, topic: "\(prefix).status", partitions: partitions, logger: logger) { key, value, _ in
            outcomes.record(key: key, value: value)
        }
        let start = ContinuousClock.now
        let workerPID = worker.pid
        let sampler = Task {
            var samples: [(seconds: Int, resident: Int)] = []
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(sampleSeconds))
                let elapsed = Int((ContinuousClock.now - start).seconds.rounded())
                let resident = ProcessUsage.residentBytes(pid: workerPID)
                samples.append((elapsed, resident))
                let (terminal, _, events) = outcomes.snapshot
                print(String(format: "t=%4ds worker RSS %.1f MB, %d events, %d requests terminal", elapsed, Double(resident) / 1_048_576, events, terminal))
                fflush(nil)
            }
            return samples
        }
        let producer = try KafkaProducer(configuration: .init(bootstrapServers: broker.bootstrapServers), logger: logger)
        try await PacedLoad.offer(count: total, perSecond: rate, producer: producer) { index in
            let key = RequestKey.make(run: prefix, index: index, sentAt: 0)
            return KafkaProducerRecord(topic: "\(prefix).commands", key: Array(key.utf8), value: BenchCommands.trigger(key, queue: "short"))
        }
        let loadEnded = ContinuousClock.now
        sampler.cancel()
        let samples = await sampler.value
        try await producer.flush(timeout: .seconds(60))
        await producer.close()
        let deadline = ContinuousClock.now + .seconds(120)
        while outcomes.snapshot.distinct < total, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        let (terminal, repeated, events) = outcomes.snapshot
        await tail.stop()
        try worker.stop()

        let afterWarmUp = samples.first { $0.seconds >= warmUpSeconds } ?? samples.first
        let last = samples.last
        let growth = afterWarmUp.flatMap { first in last.map { Double($0.resident - first.resident) / Double(first.resident) * 100 } } ?? 0
        print("")
        print(String(format: "soak: %d triggers/s on simulated builds of 1–3 s for %d s (load took %.0f s), requestRetention 1m, %d partitions",
                     rate, seconds, (loadEnded - start).seconds, partitions))
        print("| triggers | terminal | lost terminal events | repeated terminal events | events | worker RSS at warm-up end (MB) | at end (MB) | growth |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(String(format: "| %d | %d | %d | %d | %d | %.1f | %.1f | %.1f%% |", total, terminal, total - terminal, repeated, events,
                     Double(afterWarmUp?.resident ?? 0) / 1_048_576, Double(last?.resident ?? 0) / 1_048_576, growth))
        guard terminal == total else { throw BenchFailure("\(total - terminal) triggers have no terminal event") }
    }
}
