import ArgumentParser
import BuildRelayCore
import BuildRelayKafka
import BuildRelayWorker
import Foundation
import Logging

/// Pre-load N trigger commands for the `noop` queue, start the product as shipped (a `buildrelay worker` process
/// with the README's configuration), and time until every command's terminal event is in the status topic; the same
/// records through a raw `kcat -C | kcat -P` pipe on the same broker as the reference. Reports commands/s for each
/// and the ratio, best of `--rounds`.
struct DrainBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain", abstract: "Worker drain of pre-loaded noop triggers vs a raw kcat pipe of the same records.")

    @Option(help: "Trigger commands per run.") var commands = 100_000
    /// The embedded broker keeps at most 5 MiB per partition: 100,000 state records (about 1 KB each) need more than
    /// 20 partitions, or the oldest are evicted.
    @Option(help: "Partitions per topic.") var partitions = 64
    @Option(help: "Rounds; the best of each is reported.") var rounds = 3
    @Option(name: .customLong("worker-property"), help: "A librdkafka property for the worker (kafka.properties), KEY=VALUE (repeatable).")
    var workerProperties: [String] = []

    func run() async throws {
        guard let kcat = Kcat.path else { throw ValidationError("kcat is required (make bench installs it)") }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        var topics: [String: Int] = [:]
        for round in 1...rounds {
            for topic in BenchWorker.topics("drain.\(round)") + ["drain.\(round).pipe.in", "drain.\(round).pipe.out"] { topics[topic] = partitions }
        }
        let broker = try BrokerProcess(topics: topics)
        defer { broker.stop() }
        let bootstrap = broker.bootstrapServers
        var best = (ours: 0.0, pipe: 0.0)
        for round in 1...rounds {
            let prefix = "drain.\(round)"
            try await preload(bootstrap, topics: ["\(prefix).commands", "\(prefix).pipe.in"], logger: logger)
            let (ours, cpu) = try await drainWithWorker(bootstrap, prefix: prefix, logger: logger)
            let pipe = try await drainWithPipe(kcat, bootstrap, prefix: prefix, logger: logger)
            print(String(format: "round %d: worker %.0f commands/s (%.1f µs of CPU per command), kcat pipe %.0f records/s",
                         round, ours, cpu, pipe))
            best = (max(best.ours, ours), max(best.pipe, pipe))
        }
        print("")
        print("drain: \(commands) trigger commands on the noop queue, \(partitions) partitions, best of \(rounds) round(s); "
              + "worker: `buildrelay worker`, the README's configuration\(workerProperties.isEmpty ? "" : " + " + workerProperties.joined(separator: " "))")
        print("| path | ours (commands/s) | kcat -C \\| kcat -P (records/s) | ours / pipe |")
        print("|---|---:|---:|---:|")
        print(String(format: "| drain | %.0f | %.0f | %.2f |", best.ours, best.pipe, best.ours / best.pipe))
    }

    /// The same trigger commands, keyed by request id, into each topic.
    private func preload(_ bootstrap: String, topics: [String], logger: Logger) async throws {
        let producer = try KafkaProducer(configuration: .init(bootstrapServers: bootstrap), logger: logger)
        for index in 0..<commands {
            let id = "drain-\(index)"
            let value = BenchCommands.trigger(id, queue: "fast")
            for topic in topics {
                try await producer.enqueue(KafkaProducerRecord(topic: topic, key: Array(id.utf8), value: value))
            }
        }
        try await producer.flush(timeout: .seconds(300))
        guard producer.failedDeliveries == 0 else { throw ValidationError("\(producer.failedDeliveries) deliveries failed") }
        await producer.close()
    }

    /// From the worker process's partitions being restored (its log says so) to the last terminal event in the
    /// status topic: commands/s, and the CPU time the worker process spent meanwhile per command (all its threads,
    /// librdkafka's included), which varies much less than the rate from run to run on a shared machine.
    private func drainWithWorker(_ bootstrap: String, prefix: String, logger: Logger) async throws -> (rate: Double, cpuMicroseconds: Double) {
        let worker = try WorkerChildProcess(noopWorkerOn: bootstrap, prefix: prefix, properties: KeyValue.parse(workerProperties))
        try await worker.waitUntilReady(pollEvery: .milliseconds(2))
        let start = ContinuousClock.now
        let cpuStart = ProcessUsage.cpuTime(pid: worker.pid)
        try await waitForRecords(bootstrap, topic: "\(prefix).status", logger: logger)
        let elapsed = ContinuousClock.now - start
        let cpu = ProcessUsage.cpuTime(pid: worker.pid) - cpuStart
        try worker.stop()
        return (Double(commands) / elapsed.seconds, cpu.seconds * 1_000_000 / Double(commands))
    }

    private func drainWithPipe(_ kcat: String, _ bootstrap: String, prefix: String, logger: Logger) async throws -> Double {
        let start = ContinuousClock.now
        try KcatPipe(kcat: kcat, bootstrap: bootstrap, from: "\(prefix).pipe.in", to: "\(prefix).pipe.out").waitUntilExit()
        try await waitForRecords(bootstrap, topic: "\(prefix).pipe.out", logger: logger)
        return Double(commands) / (ContinuousClock.now - start).seconds
    }

    /// Waits until `commands` records were written to `topic` (the sum of its high watermarks, read every few
    /// milliseconds; retention may already have evicted some on the embedded broker).
    private func waitForRecords(_ bootstrap: String, topic: String, logger: Logger) async throws {
        let consumer = try KafkaConsumer(configuration: .init(bootstrapServers: bootstrap, groupID: nil), logger: logger)
        defer { Task { await consumer.close() } }
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            var total: Int64 = 0
            for partition in 0..<Int32(partitions) {
                total += try await consumer.queryWatermarks(KafkaTopicPartition(topic: topic, partition: partition)).high
            }
            if total >= commands { return }

            try await Task.sleep(for: .milliseconds(5))
        }
        throw ValidationError("\(topic) did not receive \(commands) records")
    }
}
