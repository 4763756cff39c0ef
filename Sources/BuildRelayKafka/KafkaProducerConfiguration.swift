/// A ``KafkaProducer``'s settings.
///
/// Defaults: idempotent (`enable.idempotence=true`, hence `acks=all`), and the Java-compatible
/// `murmur2_random` partitioner, so records keyed alike land on the partition a Java client would pick.
/// Any of these can be overridden through `client.properties`.
public struct KafkaProducerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// Called (on the producer's poll thread) for each record sent with ``KafkaProducer/enqueue(_:)`` that
    /// could not be delivered. Records sent with ``KafkaProducer/send(_:)`` report failures to their caller.
    public var onDeliveryFailure: (@Sendable (KafkaError, KafkaTopicPartition) -> Void)?

    public init(
        client: KafkaClientConfiguration,
        onDeliveryFailure: (@Sendable (KafkaError, KafkaTopicPartition) -> Void)? = nil
    ) {
        self.client = client
        self.onDeliveryFailure = onDeliveryFailure
    }

    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.init(client: KafkaClientConfiguration(bootstrapServers: bootstrapServers, properties: properties))
    }

    static let defaults: KeyValuePairs<String, String> = [
        "client.id": "buildrelay",
        "enable.idempotence": "true",
        "acks": "all",
        "partitioner": "murmur2_random",
    ]
}
