import BuildRelayCore
import BuildRelayKafka
import Logging

/// Reads state partitions from their start to their current end with a short-lived consumer outside any group.
struct StateLogReader: Sendable {
    var topic: String
    var client: KafkaClientConfiguration
    var logger: Logger

    /// Every record up to the high watermark each partition had when the read began, in order per partition.
    func read(partitions: [Int32]) async throws -> [StateLogRecord] {
        var readerClient = client
        readerClient.properties["enable.partition.eof"] = "true"
        readerClient.properties["fetch.wait.max.ms"] = "20"
        readerClient.onStatistics = nil
        var configuration = KafkaConsumerConfiguration(client: readerClient, groupID: nil)
        configuration.readsHeaders = false  // state records carry none
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        do {
            let records = try await read(partitions: partitions, with: consumer)
            await consumer.close()
            return records
        } catch {
            await consumer.close()
            throw error
        }
    }

    private func read(partitions: [Int32], with consumer: KafkaConsumer) async throws -> [StateLogRecord] {
        var ends: [Int32: Int64] = [:]
        for partition in partitions {
            let (low, high) = try await consumer.queryWatermarks(KafkaTopicPartition(topic: topic, partition: partition))
            if high > low { ends[partition] = high }
        }
        guard !ends.isEmpty else { return [] }
        try consumer.assign(Dictionary(uniqueKeysWithValues: ends.keys.map { (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning) }))
        var remaining = Set(ends.keys)
        var records: [StateLogRecord] = []
        for await event in consumer.events {
            switch event {
            case .message(let message):
                guard let end = ends[message.partition], message.offset < end else { break }
                records.append(StateLogRecord(partition: message.partition, key: message.key ?? [], value: message.value))
                if message.offset + 1 >= end { remaining.remove(message.partition) }
            case .endOfPartition(let partition, let offset):
                if let end = ends[partition.partition], offset >= end { remaining.remove(partition.partition) }
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
