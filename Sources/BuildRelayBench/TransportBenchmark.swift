import ArgumentParser
import BuildRelayKafka
import Foundation
import Logging

/// Produce N keyed records of S bytes across P partitions of the embedded broker, then consume them all; the same with
/// `kcat -P` / `kcat -C` on a twin topic. Our consumer reads the topic twice: without headers, as kcat's `%s`
/// format does, and with them (its default). Reports msgs/s and CPU time per record for each, and our/kcat ratios,
/// best of `--rounds`.
struct TransportBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport", abstract: "Our producer and consumer vs kcat on the embedded broker.")

    @Option(help: "Records per run.") var messages = 1_000_000
    @Option(help: "Value size in bytes.") var size = 200
    @Option(help: "Partitions per topic.") var partitions = 64
    @Option(help: "Rounds; the best of each is reported.") var rounds = 3
    @Option(name: .customLong("consumer-property"), help: "A librdkafka property for our consumer, KEY=VALUE (repeatable).")
    var consumerProperties: [String] = []
    @Option(name: .customLong("producer-property"), help: "A librdkafka property for our producer, KEY=VALUE (repeatable).")
    var producerProperties: [String] = []
    @Flag(help: "Only our consumer, repeatedly over one topic (for `perf record`); no kcat reference.") var profileConsumer = false
    @Flag(help: "Only our producer, repeatedly into one topic per round (for `perf record`); no kcat reference.") var profileProducer = false
    @Flag(help: "With --profile-consumer: read each record's headers too (the consumer's default).") var readHeaders = false

    func run() async throws {
        guard let kcat = Kcat.path else { throw ValidationError("kcat is required (make bench installs it)") }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let topicNames = profileConsumer ? ["bench.profile"]
            : profileProducer ? (1...rounds).map { "bench.profile.\($0)" }
            : (1...rounds).flatMap { ["bench.ours.\($0)", "bench.kcat.\($0)"] }
        let broker = try BrokerProcess(topics: Dictionary(uniqueKeysWithValues: topicNames.map { ($0, partitions) }))
        defer { broker.stop() }
        let bootstrap = broker.bootstrapServers
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)

        if profileConsumer {
            try await produce(bootstrap, topic: "bench.profile", payload: payload, logger: logger)
            for round in 1...rounds {
                let run = try await measure(.thisProcess) {
                    try await consume(bootstrap, topic: "bench.profile", readsHeaders: readHeaders, logger: logger)
                }
                print("round \(round): consume ours \(run)")
            }
            return
        }
        if profileProducer {
            for round in 1...rounds {
                let run = try await measure(.thisProcess) {
                    try await produce(bootstrap, topic: "bench.profile.\(round)", payload: payload, logger: logger)
                }
                print("round \(round): produce ours \(run)")
            }
            return
        }
        let inputFile = try Kcat.writeLines(count: messages, payload: payload)
        defer { try? FileManager.default.removeItem(at: inputFile) }
        var best = (ourProduce: 0.0, kcatProduce: 0.0, ourConsume: 0.0, kcatConsume: 0.0)
        var bestConsumeWithHeaders = 0.0
        for round in 1...rounds {
            let ours = "bench.ours.\(round)"
            let theirs = "bench.kcat.\(round)"

            // Who goes first alternates from round to round: the broker grows with every run, which would
            // otherwise always favour the same side.
            let oursFirst = round % 2 == 1
            let (ourProduce, kcatProduce) = try await inTurn(oursFirst, {
                try await measure(.thisProcess) { try await produce(bootstrap, topic: ours, payload: payload, logger: logger) }
            }, {
                try await measure(.waitedChildren) { try Kcat.run(kcat, ["-P", "-l", "-K", ":", "-b", bootstrap, "-t", theirs, inputFile.path]) }
            })
            try await verifyRetained(bootstrap, topic: theirs, logger: logger)
            let ((ourConsume, withHeaders), kcatConsume) = try await inTurn(oursFirst, {
                let withoutHeaders = try await measure(.thisProcess) {
                    try await consume(bootstrap, topic: ours, readsHeaders: false, logger: logger)
                }
                let withHeaders = try await measure(.thisProcess) {
                    try await consume(bootstrap, topic: ours, readsHeaders: true, logger: logger)
                }
                return (withoutHeaders, withHeaders)
            }, {
                try await measure(.waitedChildren) {
                    try Kcat.run(kcat, ["-C", "-b", bootstrap, "-t", theirs, "-o", "beginning", "-e", "-q", "-f", "%s\n"])
                }
            })
            print("round \(round): produce ours \(ourProduce), kcat \(kcatProduce); "
                  + "consume ours \(ourConsume) (headers read: \(withHeaders)), kcat \(kcatConsume)")
            best = (max(best.0, ourProduce.rate), max(best.1, kcatProduce.rate), max(best.2, ourConsume.rate), max(best.3, kcatConsume.rate))
            bestConsumeWithHeaders = max(bestConsumeWithHeaders, withHeaders.rate)
        }
        print("")
        print("transport: \(messages) records of \(size) B across \(partitions) partitions, best of \(rounds) round(s)")
        print("| path | ours (msg/s) | kcat (msg/s) | ours / kcat |")
        print("|---|---:|---:|---:|")
        print(String(format: "| produce | %.0f | %.0f | %.2f |", best.0, best.1, best.0 / best.1))
        print(String(format: "| consume (headers not read, like kcat's format) | %.0f | %.0f | %.2f |",
                     best.2, best.3, best.2 / best.3))
        print(String(format: "| consume, headers read (the default) | %.0f | %.0f | %.2f |",
                     bestConsumeWithHeaders, best.3, bestConsumeWithHeaders / best.3))
    }

    /// Enqueues every record (keyed by its index, like the kcat input) and waits for the last acknowledgement.
    /// Keys spread records evenly: unkeyed records go to sticky random partitions, and an uneven partition can
    /// pass the embedded broker's 5 MiB-per-partition cap, which silently evicts the oldest records.
    private func produce(_ bootstrap: String, topic: String, payload: [UInt8], logger: Logger) async throws {
        let producer = try KafkaProducer(
            configuration: .init(bootstrapServers: bootstrap, properties: KeyValue.parse(producerProperties)), logger: logger)
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

    /// Reads every partition from the beginning (no group, like `kcat -C`) until all records arrived; with
    /// `readsHeaders` false, as `kcat -C -f '%s\n'` does, which never asks librdkafka for a record's headers.
    private func consume(_ bootstrap: String, topic: String, readsHeaders: Bool, logger: Logger) async throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: nil, properties: KeyValue.parse(consumerProperties))
        configuration.readsHeaders = readsHeaders
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try consumer.assign(Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map {
            (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning)
        }))
        let expected = messages  // read once: the option's getter is not free, and this loop is what is measured
        var received = 0
        for await event in consumer.events {
            if case .message = event {
                received += 1
                if received == expected { break }
            } else if case .error(let error) = event {
                log("consumer error: \(error)")
            }
        }
        await consumer.close()
        guard received == expected else { throw ValidationError("consumed \(received) of \(expected)") }
    }

    /// Runs `ours` and `theirs`, `ours` first if `oursFirst`; returns their results as (ours, theirs).
    private func inTurn<Ours, Theirs>(
        _ oursFirst: Bool, _ ours: () async throws -> Ours, _ theirs: () async throws -> Theirs
    ) async throws -> (Ours, Theirs) {
        if oursFirst {
            let first = try await ours()
            return (first, try await theirs())
        }
        let first = try await theirs()
        return (try await ours(), first)
    }

    /// Whose CPU time a measurement counts: this process's (our client), or that of the children it waited for
    /// meanwhile (kcat).
    private enum CPUOwner { case thisProcess, waitedChildren }

    /// Records per second, and CPU time per record: the rate varies much more than the CPU time on a shared machine.
    private struct Measurement: CustomStringConvertible {
        var rate: Double
        var cpuNanosecondsPerRecord: Double
        var description: String { String(format: "%.0f msg/s (%.0f ns of CPU per record)", rate, cpuNanosecondsPerRecord) }
    }

    private func measure(_ owner: CPUOwner, _ body: () async throws -> Void) async throws -> Measurement {
        let cpu = { owner == .thisProcess ? ProcessUsage.cpuTime() : ProcessUsage.waitedChildrenCPUTime() }
        let cpuStart = cpu()
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Measurement(rate: Double(messages) / elapsed.seconds, cpuNanosecondsPerRecord: (cpu() - cpuStart).seconds * 1e9 / Double(messages))
    }
}

func log(_ text: String) {
    FileHandle.standardError.write(Data("[bench] \(text)\n".utf8))
}
