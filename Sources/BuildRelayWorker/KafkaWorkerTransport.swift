import BuildRelayCore
import BuildRelayKafka
import Logging

/// The worker engine's transport over Kafka: one idempotent producer for the state, status and dead-letter
/// topics, the group consumer's offset store, and a ``StateLogReader`` for restores.
final class KafkaWorkerTransport: WorkerTransport {
    /// How much of a command the dead-letter topic keeps when the whole record would be too large.
    static let truncatedDeadLetterBytes = 64 * 1024
    /// Every status event's `content-type` header, its bytes made once.
    private static let contentTypeHeader = KafkaHeader(name: "content-type", string: StatusEventEncoder.contentType)

    private let producer: KafkaProducer
    private let consumer: KafkaConsumer
    private let topics: WorkerTopics
    private let enqueuer: OrderedEnqueuer
    private let stateReader: StateLogReader
    private let logger: Logger

    init(producer: KafkaProducer, consumer: KafkaConsumer, topics: WorkerTopics, stateReader: StateLogReader, logger: Logger) {
        self.producer = producer
        self.consumer = consumer
        self.topics = topics
        self.enqueuer = OrderedEnqueuer(producer: producer)
        self.stateReader = stateReader
        self.logger = logger
    }

    /// Runs the transport's own work (see ``OrderedEnqueuer/run()``) until ``finish()`` or cancellation.
    func run() async {
        await enqueuer.run()
    }

    /// Ends ``run()``; call it once nothing more is sent.
    func finish() {
        enqueuer.finish()
    }

    func afterEachCompletionRound(_ handler: @escaping @Sendable () -> Void) {
        enqueuer.afterEachCompletionRound(handler)
    }

    func appendState(_ record: StateLogRecord, completion: @escaping @Sendable ((any Error)?) -> Void) {
        let kafkaRecord = KafkaProducerRecord(topic: topics.state, partition: record.partition, key: record.key, value: record.value)
        enqueuer.enqueue(kafkaRecord) { completion($0.failure) }
    }

    func publishStatus(_ record: StatusRecord, completion: @escaping @Sendable ((any Error)?) -> Void) {
        let kafkaRecord = KafkaProducerRecord(topic: topics.status, key: record.key, value: record.value, headers: [
            Self.contentTypeHeader, KafkaHeader(name: "traceparent", string: record.traceparent),
        ])
        enqueuer.enqueue(kafkaRecord) { completion($0.failure) }
    }

    func publishDeadLetter(_ record: DeadLetterRecord, completion: @escaping @Sendable ((any Error)?) -> Void) {
        let whole = deadLetterRecord(record, truncated: false)
        let fits = (whole.value?.count ?? 0) + (whole.key?.count ?? 0) + 1024 <= producer.configuration.client.maximumMessageBytes
        guard fits else { return enqueuer.enqueue(deadLetterRecord(record, truncated: true)) { completion($0.failure) } }
        enqueuer.enqueue(whole) { [enqueuer] result in
            // The topic's own limit (max.message.bytes) may be lower than the producer's.
            if case .failure(let error) = result, error.code == .messageSizeTooLarge {
                enqueuer.enqueue(self.deadLetterRecord(record, truncated: true)) { completion($0.failure) }
            } else {
                completion(result.failure)
            }
        }
    }

    func forwardCommand(_ record: CommandRecord, to partition: Int32, completion: @escaping @Sendable ((any Error)?) -> Void) {
        let copy = KafkaProducerRecord(
            topic: record.topic, partition: partition, key: record.key, value: record.value,
            headers: record.forwardingHeaders.map { KafkaHeader(name: $0.name, value: $0.value) })
        enqueuer.enqueue(copy) { completion($0.failure) }
    }

    func commandsProcessed(_ nextOffsets: [Int32: Int64]) {
        let offsets = Dictionary(uniqueKeysWithValues: nextOffsets.map { (KafkaTopicPartition(topic: topics.commands, partition: $0.key), $0.value) })
        do {
            try consumer.storeOffsets(offsets)
        } catch {
            // A partition was revoked meanwhile: its new owner starts from the last committed offset.
            logger.debug("offsets not stored", metadata: ["offsets": "\(nextOffsets)", "kafka.error": "\(error)"])
        }
    }

    func commitProcessed(within timeout: Duration) async throws {
        try await consumer.commit(timeout: timeout)
    }

    func pause(partitions: [Int32]) {
        do { try consumer.pause(partitions.map { KafkaTopicPartition(topic: topics.commands, partition: $0) }) } catch {
            logger.warning("pausing command partitions failed", metadata: ["kafka.error": "\(error)"])
        }
    }

    func resume(partitions: [Int32]) {
        do { try consumer.resume(partitions.map { KafkaTopicPartition(topic: topics.commands, partition: $0) }) } catch {
            logger.warning("resuming command partitions failed", metadata: ["kafka.error": "\(error)"])
        }
    }

    func readStateLog(partitions: [Int32]) async throws -> [StateLogRecord] {
        try await stateReader.read(partitions: partitions)
    }

    /// The contract's dead-letter record: original key and bytes (or their first 64 KiB) plus provenance headers.
    private func deadLetterRecord(_ record: DeadLetterRecord, truncated: Bool) -> KafkaProducerRecord {
        let source = record.source
        var headers = [
            KafkaHeader(name: "buildrelay-error", string: record.reason),
            KafkaHeader(name: "buildrelay-source-topic", string: source.topic),
            KafkaHeader(name: "buildrelay-source-partition", string: String(source.partition)),
            KafkaHeader(name: "buildrelay-source-offset", string: String(source.offset)),
        ]
        var value = source.value
        if truncated, let original = source.value {
            value = Array(original.prefix(Self.truncatedDeadLetterBytes))
            headers.append(KafkaHeader(name: "buildrelay-truncated", string: String(original.count)))
        }
        return KafkaProducerRecord(topic: topics.deadLetter, key: source.key.map { Array($0.prefix(Self.truncatedDeadLetterBytes)) }, value: value, headers: headers)
    }
}

extension Result {
    /// The error, or `nil` on success.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
