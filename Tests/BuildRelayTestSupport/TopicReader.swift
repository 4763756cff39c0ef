import BuildRelayKafka

/// Every record of `topic` (with `partitions` partitions), read from the beginning with a throwaway consumer until
/// each partition reports its end: what the log holds now, duplicates included, without waiting a guessed time for
/// stragglers.
public func readToEnd(bootstrapServers: String, topic: String, partitions: Int) async throws -> [KafkaMessage] {
    let consumer = try KafkaConsumer(
        configuration: KafkaConsumerConfiguration(
            bootstrapServers: bootstrapServers, groupID: nil, properties: ["enable.partition.eof": "true", "fetch.wait.max.ms": "20"]),
        logger: testLogger("reader"))
    try consumer.assign(Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map { (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning) }))
    do {
        let messages = try await withDeadline(60, "read \(topic) to its end") {
            var messages: [KafkaMessage] = []
            var ended = Set<Int32>()
            for await event in consumer.events {
                if case .message(let message) = event { messages.append(message) }
                if case .endOfPartition(let partition, _) = event { ended.insert(partition.partition) }
                if ended.count == partitions { break }
            }
            return messages
        }
        await consumer.close()
        return messages
    } catch {
        await consumer.close()
        throw error
    }
}
