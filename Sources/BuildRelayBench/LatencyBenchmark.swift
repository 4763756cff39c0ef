import ArgumentParser
import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import Foundation
import Logging

/// Triggers offered at a fixed rate to the product as shipped, a `buildrelay worker` process on the `noop` queue:
/// the time from each command's send to the arrival of its first status event at a reader. The references, in the
/// same run on the same broker with the same `fetch.wait.max.ms`: a confluent-kafka echo that answers each command at
/// once (the worker's Kafka path without its work; our margin over it is what our path adds), and the plain pipe, the
/// same records produced to a topic and read back (one hop, where the worker and the echo have two).
struct LatencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency", abstract: "Send-to-event latency of a worker process vs a confluent-kafka echo and a plain topic.")

    @Option(name: .customLong("rate"), help: "Triggers per second (repeatable).") var rates: [Int] = [1_000]
    @Option(help: "Seconds of load per rate, path and round.") var seconds = 10
    @Option(help: "Partitions per topic.") var partitions = 16
    /// The embedded broker answers a fetch that finds no data only after `fetch.wait.max.ms` (Apache Kafka answers
    /// as soon as data arrives): on it, that setting bounds the latency of a quiet partition. Every path gets it.
    @Option(help: "fetch.wait.max.ms of the worker and the echo (the reader, the instrument, uses 1).") var fetchWaitMs = 10
    @Option(name: .customLong("worker-property"), help: "Another librdkafka property for the worker, KEY=VALUE (repeatable).")
    var workerProperties: [String] = []

    @Option(help: "Rounds: each runs the worker and the echo in turn (who goes first alternates); samples are pooled.") var rounds = 3

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        var topics: [String: Int] = [:]
        for rate in rates {
            for round in 1...rounds {
                let prefix = "latency.\(rate).\(round)"
                for topic in BenchWorker.topics(prefix) + ["\(prefix).echo.commands", "\(prefix).echo.status", "\(prefix).pipe"] { topics[topic] = partitions }
            }
        }
        let broker = try BrokerProcess(topics: topics)
        defer { broker.stop() }
        let properties = ["fetch.wait.max.ms": String(fetchWaitMs)].merging(KeyValue.parse(workerProperties)) { $1 }
        let linger = Int(properties["linger.ms"] ?? "") ?? Self.workerLingerMilliseconds
        var rows: [String] = []
        for rate in rates {
            let count = rate * seconds
            let (ours, echo, pipe) = (LatencyHistogram(), LatencyHistogram(), LatencyHistogram())
            for round in 1...rounds {
                let prefix = "latency.\(rate).\(round)"
                let measureOurs = { try await self.measureWorker(broker.bootstrapServers, prefix: prefix, rate: rate, count: count, properties: properties, logger: logger) }
                let measureEcho = { try await self.measureEcho(broker.bootstrapServers, prefix: prefix, rate: rate, count: count, linger: linger, logger: logger) }
                if round % 2 == 1 {
                    ours.add(try await measureOurs())
                    echo.add(try await measureEcho())
                } else {
                    echo.add(try await measureEcho())
                    ours.add(try await measureOurs())
                }
                pipe.add(try await offer(broker.bootstrapServers, rate: rate, count: count, to: "\(prefix).pipe", readFrom: "\(prefix).pipe", logger: logger).latencies)
            }
            for (path, latencies) in [("buildrelay worker (2 hops)", ours), ("confluent-kafka echo (2 hops)", echo), ("plain topic (1 hop)", pipe)] {
                rows.append(String(format: "| %d/s | %@ | %.2f | %.2f | %.2f | %.2f |", rate, path,
                                   latencies.milliseconds(atPercentile: 50), latencies.milliseconds(atPercentile: 99),
                                   latencies.milliseconds(atPercentile: 99.9), latencies.maxMilliseconds))
            }
            rows.append(String(format: "| %d/s | margin: worker − echo | %+.2f | %+.2f | %+.2f | |", rate,
                               ours.milliseconds(atPercentile: 50) - echo.milliseconds(atPercentile: 50),
                               ours.milliseconds(atPercentile: 99) - echo.milliseconds(atPercentile: 99),
                               ours.milliseconds(atPercentile: 99.9) - echo.milliseconds(atPercentile: 99.9)))
        }
        print("")
        print("latency: send → first status event at a reader, \(rounds) round(s) of \(seconds) s per rate and path, pooled; \(partitions) partitions; "
              + "fetch.wait.max.ms=\(fetchWaitMs) for the worker and the echo (1 for the reader); worker: `buildrelay worker`, the README's "
              + "configuration\(workerProperties.isEmpty ? "" : " + " + workerProperties.joined(separator: " ")); echo producer linger.ms=\(linger)")
        print("| rate | path | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) |")
        print("|---|---|---:|---:|---:|---:|")
        rows.forEach { print($0) }
    }

    /// The worker's producer `linger.ms` unless set (`Worker`).
    static let workerLingerMilliseconds = 0

    private func measureWorker(_ bootstrap: String, prefix: String, rate: Int, count: Int, properties: [String: String], logger: Logger) async throws -> LatencyHistogram {
        let worker = try WorkerChildProcess(noopWorkerOn: bootstrap, prefix: prefix, properties: properties)
        try await worker.waitUntilReady()
        let arrivals = try await offer(bootstrap, rate: rate, count: count, to: "\(prefix).commands", readFrom: "\(prefix).status", logger: logger)
        try worker.stop()
        return arrivals.latencies
    }

    private func measureEcho(_ bootstrap: String, prefix round: String, rate: Int, count: Int, linger: Int, logger: Logger) async throws -> LatencyHistogram {
        let prefix = "\(round).echo"
        let echo = try EchoReference(
            bootstrap: bootstrap, commands: "\(prefix).commands", status: "\(prefix).status", group: "\(prefix).group",
            fetchWaitMilliseconds: fetchWaitMs, lingerMilliseconds: linger)
        defer { echo.stop() }
        return try await offer(bootstrap, rate: rate, count: count, to: "\(prefix).commands", readFrom: "\(prefix).status", logger: logger).latencies
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
