import ArgumentParser
import BuildRelayKafka
import Foundation
import Logging

/// Produce N keyed records of S bytes across P partitions of the embedded broker, then consume them all; the same with
/// `kcat -P` / `kcat -C` on a twin topic. Reports msgs/s for each and our/kcat ratios, best of `--rounds`.
struct TransportBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport", abstract: "Our producer and consumer vs kcat on the embedded broker.")

    @Option(help: "Records per run.") var messages = 1_000_000
    @Option(help: "Value size in bytes.") var size = 200
    @Option(help: "Partitions per topic.") var partitions = 64
    @Option(help: "Rounds; the best of each is reported.") var rounds = 3
    @Option(name: .customLong("consumer-property"), help: "A librdkafka property for our consumer, KEY=VALUE (repeatable).")
    var consumerProperties: [String] = []
    @Flag(help: "Only our consumer, repeatedly over one topic (for `perf record`); no kcat reference.") var profileConsumer = false

    func run() async throws {
        guard let kcat = Kcat.path else { throw ValidationError("kcat is required (make bench installs it)") }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let topicNames = profileConsumer ? ["bench.profile"] : (1...rounds).flatMap { ["bench.ours.\($0)", "bench.kcat.\($0)"] }
        let broker = try BrokerProcess(topics: Dictionary(uniqueKeysWithValues: topicNames.map { ($0, partitions) }))
        defer { broker.stop() }
        let bootstrap = broker.bootstrapServers
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let inputFile = try Kcat.writeLines(count: messages, payload: payload)
        defer { try? FileManager.default.removeItem(at: inputFile) }

        if profileConsumer {
            try await produce(bootstrap, topic: "bench.profile", payload: payload, logger: logger)
            for round in 1...rounds {
                let rate = try await rate(messages) { try await consume(bootstrap, topic: "bench.profile", logger: logger) }
                print(String(format: "round %d: consume ours %.0f msg/s", round, rate))
            }
            return
        }
        var best = (ourProduce: 0.0, kcatProduce: 0.0, ourConsume: 0.0, kcatConsume: 0.0)
        for round in 1...rounds {
            let ours = "bench.ours.\(round)"
            let theirs = "bench.kcat.\(round)"

            let ourProduce = try await rate(messages) { try await produce(bootstrap, topic: ours, payload: payload, logger: logger) }
            let kcatProduce = try await rate(messages) {
                try Kcat.run(kcat, ["-P", "-l", "-K", ":", "-b", bootstrap, "-t", theirs, inputFile.path])
            }
            try await verifyRetained(bootstrap, topic: theirs, logger: logger)
            let ourConsume = try await rate(messages) { try await consume(bootstrap, topic: ours, logger: logger) }
            let kcatConsume = try await rate(messages) {
                try Kcat.run(kcat, ["-C", "-b", bootstrap, "-t", theirs, "-o", "beginning", "-e", "-q", "-f", "%s\n"])
            }
            print(String(format: "round %d: produce ours %.0f kcat %.0f msg/s; consume ours %.0f kcat %.0f msg/s",
                         round, ourProduce, kcatProduce, ourConsume, kcatConsume))
            best = (max(best.0, ourProduce), max(best.1, kcatProduce), max(best.2, ourConsume), max(best.3, kcatConsume))
        }
        print("")
        print("transport: \(messages) records of \(size) B across \(partitions) partitions, best of \(rounds) round(s)")
        print("| path | ours (msg/s) | kcat (msg/s) | ours / kcat |")
        print("|---|---:|---:|---:|")
        print(String(format: "| produce | %.0f | %.0f | %.2f |", best.0, best.1, best.0 / best.1))
        print(String(format: "| consume | %.0f | %.0f | %.2f |", best.2, best.3, best.2 / best.3))
    }

    /// Enqueues every record (keyed by its index, like the kcat input) and waits for the last acknowledgement.
    /// Keys spread records evenly: unkeyed records go to sticky random partitions, and an uneven partition can
    /// pass the embedded broker's 5 MiB-per-partition cap, which silently evicts the oldest records.
    private func produce(_ bootstrap: String, topic: String, payload: [UInt8], logger: Logger) async throws {
        let producer = try KafkaProducer(configuration: .init(bootstrapServers: bootstrap), logger: logger)
        for index in 0..<messages {
            try await producer.enqueue(KafkaProducerRecord(topic: topic, key: Array(String(index).utf8), value: payload))
        }
        try await producer.flush(timeout: .seconds(300))
        guard producer.failedDeliveries == 0 else { throw ValidationError("\(producer.failedDeliveries) deliveries failed") }
        await producer.close()
    }

    /// Fails unless the broker still holds every record kcat produced (the embedded broker evicts silently past
    /// 5 MiB per partition, which would make kcat's consume figure meaningless).
    private func verifyRetained(_ bootstrap: String, topic: String, logger: Logger) async throws {
        let consumer = try KafkaConsumer(configuration: .init(bootstrapServers: bootstrap, groupID: nil), logger: logger)
        var retained: Int64 = 0
        for partition in 0..<Int32(partitions) {
            let (low, high) = try await consumer.queryWatermarks(KafkaTopicPartition(topic: topic, partition: partition))
            retained += high - low
        }
        await consumer.close()
        guard retained == messages else { throw ValidationError("the broker kept \(retained) of \(messages) records of \(topic)") }
    }

    /// Reads every partition from the beginning (no group, like `kcat -C`) until all records arrived.
    private func consume(_ bootstrap: String, topic: String, logger: Logger) async throws {
        let consumer = try KafkaConsumer(
            configuration: .init(bootstrapServers: bootstrap, groupID: nil, properties: KeyValue.parse(consumerProperties)), logger: logger)
        try consumer.assign(Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map {
            (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning)
        }))
        var received = 0
        for await event in consumer.events {
            if case .message = event {
                received += 1
                if received == messages { break }
            } else if case .error(let error) = event {
                log("consumer error: \(error)")
            }
        }
        await consumer.close()
        guard received == messages else { throw ValidationError("consumed \(received) of \(messages)") }
    }

    private func rate(_ count: Int, _ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(count) / elapsed.seconds
    }
}

func log(_ text: String) {
    FileHandle.standardError.write(Data("[bench] \(text)\n".utf8))
}
