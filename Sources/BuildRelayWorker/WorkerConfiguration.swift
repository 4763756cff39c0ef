import BuildRelayCore
import BuildRelayKafka

/// Everything one worker needs: where Kafka is, the topics, the engine's settings and the configured queues.
public struct WorkerConfiguration: Sendable {
    /// Bootstrap servers and librdkafka properties shared by the worker's producer and consumers.
    public var kafka: KafkaClientConfiguration
    public var topics = WorkerTopics()
    /// `settings.groupID` is the consumer group.
    public var settings = WorkerSettings()
    public var queues: [BuildQueue]

    public init(kafka: KafkaClientConfiguration, queues: [BuildQueue]) {
        self.kafka = kafka
        self.queues = queues
    }
}
