import ArgumentParser
import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import BuildRelayWorker
import Foundation
import Logging
import ServiceLifecycle

/// Pre-load N trigger commands for the `noop` queue, start one worker, and time until every command's terminal
/// event is in the status topic; the same records through a raw `kcat -C | kcat -P` pipe on the same broker as the
/// reference. Reports commands/s for each and the ratio, best of `--rounds`.
struct DrainBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain", abstract: "Worker drain of pre-loaded noop triggers vs a raw kcat pipe of the same records.")

    @Option(help: "Trigger commands per run.") var commands = 100_000
    /// The embedded broker keeps at most 5 MiB per partition: 100,000 state records (about 1 KB each) need more than
    /// 20 partitions, or the oldest are evicted.
    @Option(help: "Partitions per topic.") var partitions = 64
    @Option(help: "Rounds; the best of each is reported.") var rounds = 3
    @Option(name: .customLong("worker-property"), help: "A librdkafka property for the worker, KEY=VALUE (repeatable).")
    var workerProperties: [String] = []

    func run() async throws {
        guard let kcat = Kcat.path else { throw ValidationError("kcat is required (make bench installs it)") }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        var topics: [String: Int] = [:]
        for round in 1...rounds {
            for name in ["commands", "status", "state", "dlq", "pipe.in", "pipe.out"] { topics["drain.\(round).\(name)"] = partitions }
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
        print("drain: \(commands) trigger commands on the noop queue, \(partitions) partitions, best of \(rounds) round(s)")
        print("| path | ours (commands/s) | kcat -C \\| kcat -P (records/s) | ours / pipe |")
        print("|---|---:|---:|---:|")
        print(String(format: "| drain | %.0f | %.0f | %.2f |", best.ours, best.pipe, best.ours / best.pipe))
    }

    /// The same trigger commands, keyed by request id, into each topic.
    private func preload(_ bootstrap: String, topics: [String], logger: Logger) async throws {
        let producer = try KafkaProducer(configuration: .init(bootstrapServers: bootstrap), logger: logger)
        for index in 0..<commands {
            let id = "drain-\(index)"
            let value = CommandEncoder.encode(.trigger(TriggerCommand(
                requestID: RequestID(rawValue: id)!, queue: "fast",
                changes: [BuildChange(uris: ["github://acme/api/pull/\(index)/9fceb02d0ae598e95dc970b74767f19372d61af8"])],
                metadata: ["author": "bench"])))
            for topic in topics {
                try await producer.enqueue(KafkaProducerRecord(topic: topic, key: Array(id.utf8), value: value))
            }
        }
        try await producer.flush(timeout: .seconds(300))
        guard producer.failedDeliveries == 0 else { throw ValidationError("\(producer.failedDeliveries) deliveries failed") }
        await producer.close()
    }

    /// From the worker's partitions being restored to the last terminal event in the status topic: commands/s, and
    /// the CPU time this process spent meanwhile per command (all its threads, librdkafka's included), which
    /// varies much less than the rate from run to run on a shared machine.
    private func drainWithWorker(_ bootstrap: String, prefix: String, logger: Logger) async throws -> (rate: Double, cpuMicroseconds: Double) {
        var properties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
        for entry in workerProperties {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            properties[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        var configuration = WorkerConfiguration(
            kafka: KafkaClientConfiguration(bootstrapServers: bootstrap, properties: properties),
            queues: [BuildQueue(name: "fast", provider: "noop", manager: NoopBuildManager())])
        configuration.topics.commands = "\(prefix).commands"
        configuration.topics.status = "\(prefix).status"
        configuration.topics.state = "\(prefix).state"
        configuration.topics.deadLetter = "\(prefix).dlq"
        configuration.settings.groupID = "\(prefix).group"
        let worker = try Worker(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
        let running = Task { try await group.run() }
        while !worker.isReady { try await Task.sleep(for: .milliseconds(5)) }
        let start = ContinuousClock.now
        let cpuStart = Self.processCPUTime()
        // The engine counts acknowledged events; asking the broker would load it (and the worker) while measuring.
        while worker.engine.publishedEventCount < commands { try await Task.sleep(for: .milliseconds(1)) }
        let elapsed = ContinuousClock.now - start
        let cpu = Self.processCPUTime() - cpuStart
        try await waitForRecords(bootstrap, topic: configuration.topics.status, logger: logger)
        await group.triggerGracefulShutdown()
        try await running.value
        return (Double(commands) / elapsed.seconds, cpu.seconds * 1_000_000 / Double(commands))
    }

    /// User and system CPU time of this process, all threads.
    private static func processCPUTime() -> Duration {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func duration(_ time: timeval) -> Duration { .seconds(time.tv_sec) + .microseconds(time.tv_usec) }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }

    private func drainWithPipe(_ kcat: String, _ bootstrap: String, prefix: String, logger: Logger) async throws -> Double {
        let start = ContinuousClock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\"$0\" -C -b \"$1\" -t \"$2\" -o beginning -e -q -f '%k:%s\\n' | \"$0\" -P -b \"$1\" -t \"$3\" -K :",
                             kcat, bootstrap, "\(prefix).pipe.in", "\(prefix).pipe.out"]
        process.standardError = FileHandle.standardError
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("the kcat pipe exited \(process.terminationStatus)") }
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
