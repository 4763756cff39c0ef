import ArgumentParser
import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import Foundation
import Logging

/// Triggers offered at a fixed rate to a worker on the `noop` queue: the time from each command's send to the
/// arrival of its first status event at a reader. The reference is the plain pipe under it, in the same run: the
/// same records at the same rate produced to a topic and read back by the same reader (one hop; the worker's path
/// has two, command in and event out, and the worker between them).
struct LatencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency", abstract: "Send-to-event latency at fixed trigger rates vs produce-to-consume of a plain topic.")

    @Option(name: .customLong("rate"), help: "Triggers per second (repeatable).") var rates: [Int] = [1_000, 5_000]
    @Option(help: "Seconds of load per rate.") var seconds = 30
    @Option(help: "Partitions per topic.") var partitions = 16
    /// The embedded broker answers a fetch that finds no data only after `fetch.wait.max.ms` (Apache Kafka answers
    /// as soon as data arrives): on it, that setting bounds the latency of a quiet partition.
    @Option(name: .customLong("worker-property"), help: "A librdkafka property for the worker, KEY=VALUE (repeatable).")
    var workerProperties: [String] = ["linger.ms=0", "fetch.wait.max.ms=1"]

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        var topics: [String: Int] = [:]
        for rate in rates {
            for topic in BenchWorker.topics("latency.\(rate)") + ["latency.\(rate).pipe"] { topics[topic] = partitions }
        }
        let broker = try BrokerProcess(topics: topics)
        defer { broker.stop() }
        var rows: [String] = []
        for rate in rates {
            let count = rate * seconds
            let ours = try await measureWorker(broker.bootstrapServers, rate: rate, count: count, logger: logger)
            let pipe = try await offer(broker.bootstrapServers, rate: rate, count: count, to: "latency.\(rate).pipe", readFrom: "latency.\(rate).pipe",
                                       logger: logger).latencies
            for (path, latencies) in [("worker (2 hops)", ours), ("plain topic (1 hop)", pipe)] {
                rows.append(String(format: "| %d/s | %@ | %.2f | %.2f | %.2f | %.2f |", rate, path,
                                   latencies.milliseconds(atPercentile: 50), latencies.milliseconds(atPercentile: 99),
                                   latencies.milliseconds(atPercentile: 99.9), latencies.maxMilliseconds))
            }
            rows.append(String(format: "| %d/s | worker / plain topic (p99) | | %.2f | | |", rate,
                               ours.milliseconds(atPercentile: 99) / max(pipe.milliseconds(atPercentile: 99), 0.001)))
        }
        print("")
        print("latency: send → first status event at a reader, \(seconds) s per rate, \(partitions) partitions, worker \(workerProperties.joined(separator: " "))")
        print("| rate | path | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) |")
        print("|---|---|---:|---:|---:|---:|")
        rows.forEach { print($0) }
    }

    private func measureWorker(_ bootstrap: String, rate: Int, count: Int, logger: Logger) async throws -> LatencyHistogram {
        let prefix = "latency.\(rate)"
        let worker = try BenchWorker(
            bootstrap: bootstrap, prefix: prefix, queues: [BuildQueue(name: "fast", provider: "noop", manager: NoopBuildManager())],
            properties: KeyValue.parse(workerProperties), logger: logger)
        try await worker.waitUntilReady()
        let arrivals = try await offer(bootstrap, rate: rate, count: count, to: "\(prefix).commands", readFrom: "\(prefix).status", logger: logger)
        try await worker.stop()
        return arrivals.latencies
    }

    /// Offers `count` records at `rate` to `input`, each keyed by a ``RequestKey``, and times the first record of
    /// each key in `output`.
    private func offer(_ bootstrap: String, rate: Int, count: Int, to input: String, readFrom output: String, logger: Logger) async throws -> FirstArrivals {
        let arrivals = FirstArrivals(count: count)
        let tail = try TopicTail(bootstrap: bootstrap, topic: output, partitions: partitions, logger: logger) { key, _, arrivedAt in
            arrivals.record(key: key, arrivedAt: arrivedAt)
        }
        let producer = try KafkaProducer(configuration: .init(bootstrapServers: bootstrap, properties: ["linger.ms": "0"]), logger: logger)
        let run = "\(input).\(rate)"
        func record(_ index: Int) -> KafkaProducerRecord {
            let key = RequestKey.make(run: run, index: index, sentAt: ProcessUsage.monotonicNanoseconds())
            return KafkaProducerRecord(topic: input, key: Array(key.utf8), value: BenchCommands.trigger(key, queue: "fast"))
        }
        // Warm-up, not measured: until records reach the reader through every partition's path, then one more second.
        var warmUp = count
        while arrivals.warmUpCount < partitions * 4 {
            for _ in 0..<partitions { try await producer.enqueue(record(warmUp)); warmUp += 1 }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await PacedLoad.offer(count: rate, perSecond: rate, producer: producer) { _ in defer { warmUp += 1 }; return record(warmUp) }
        try await PacedLoad.offer(count: count, perSecond: rate, producer: producer, record: record)
        try await arrivals.waitForAll(timeout: .seconds(120), what: output)
        await producer.close()
        await tail.stop()
        return arrivals
    }
}
