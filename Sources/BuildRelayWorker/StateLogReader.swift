import BuildRelayCore
import BuildRelayKafka
import Logging

/// Reads state partitions from their start to their current end with a short-lived consumer outside any group.
public struct StateLogReader: Sendable {
    public var topic: String
    public var client: KafkaClientConfiguration
    public var logger: Logger

    public init(topic: String, client: KafkaClientConfiguration, logger: Logger) {
        self.topic = topic
        self.client = client
        self.logger = logger
    }

    /// Every record of these partitions, from the start to the end each partition had when the read reached it,
    /// in order per partition.
    ///
    /// The end is where Fetch reports end-of-partition (its high watermark), never a ListOffsets answer: some
    /// brokers and proxies answer ListOffsets(latest) with a stale offset (Tansu 0.6 gives the last batch's base
    /// offset + 1), and a restore that stopped there would miss a build's newest records and publish a second,
    /// different event under an id already used.
    public func read(partitions: [Int32]) async throws -> [StateLogRecord] {
        guard !partitions.isEmpty else { return [] }
        return try await withConsumer { try await read(partitions: partitions, with: $0) }
    }

    /// Every record of the partitions `choose` picks given the topic's partition count, as ``read(partitions:)``
    /// reads them, with one consumer. Throws ``KafkaError/Code/unknownTopicOrPartition`` when the topic does not
    /// exist.
    public func read(choosing choose: @Sendable (_ partitionCount: Int) -> [Int32]) async throws -> [StateLogRecord] {
        try await withConsumer { consumer in
            let partitions = choose(try await consumer.partitionCount(topic: topic))
            return partitions.isEmpty ? [] : try await read(partitions: partitions, with: consumer)
        }
    }

    private func withConsumer(_ body: (KafkaConsumer) async throws -> [StateLogRecord]) async throws -> [StateLogRecord] {
        var readerClient = client
        readerClient.properties["enable.partition.eof"] = "true"
        readerClient.properties["fetch.wait.max.ms"] = "20"
        readerClient.onStatistics = nil
        var configuration = KafkaConsumerConfiguration(client: readerClient, groupID: nil)
        configuration.readsHeaders = false  // state records carry none
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        do {
            let records = try await body(consumer)
            await consumer.close()
            return records
        } catch {
            await consumer.close()
            throw error
        }
    }

    private func read(partitions: [Int32], with consumer: KafkaConsumer) async throws -> [StateLogRecord] {
        try consumer.assign(Dictionary(uniqueKeysWithValues: partitions.map { (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning) }))
        var remaining = Set(partitions)
        var records: [StateLogRecord] = []
        for await event in consumer.events {
            switch event {
            case .message(let message):
                records.append(StateLogRecord(partition: message.partition, key: message.key ?? [], value: message.value))
            case .endOfPartition(let partition, _):
                // librdkafka queues end-of-partition behind the partition's records, once a fetch reached its end.
                remaining.remove(partition.partition)
            case .error(let error):
                if error.isFatal { throw error }
                logger.warning("reading the state topic", metadata: ["kafka.error": "\(error)"])
            case .partitionsAssigned, .partitionsRevoked:
                break
            }
            if remaining.isEmpty { return records }
        }
        throw CancellationError()
    }
}
