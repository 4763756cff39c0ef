import BuildRelayKafka
import Logging

/// Reads every partition of a topic from its beginning, without a group, handing each record to `onRecord` on the
/// consumer's own task, until ``stop()``.
final class TopicTail: Sendable {
    private let consumer: KafkaConsumer
    private let reading: Task<Void, Never>

    /// `onRecord` gets the key, the value and the local monotonic time (ns) the record arrived.
    init(
        bootstrap: String, topic: String, partitions: Int, logger: Logger,
        onRecord: @escaping @Sendable (_ key: [UInt8]?, _ value: [UInt8]?, _ arrivedAt: UInt64) -> Void
    ) throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: nil, properties: ["fetch.wait.max.ms": "1"])
        configuration.readsHeaders = false  // unused here, and they cost the worker sharing this process CPU
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try consumer.assign(Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map {
            (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning)
        }))
        self.consumer = consumer
        reading = Task {
            for await event in consumer.events {
                if case .message(let message) = event {
                    onRecord(message.key, message.value, ProcessUsage.monotonicNanoseconds())
                }
            }
        }
    }

    func stop() async {
        await consumer.close()
        await reading.value
    }
}
