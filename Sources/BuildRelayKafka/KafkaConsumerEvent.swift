/// What a ``KafkaConsumer`` delivers, in the order it happened.
public enum KafkaConsumerEvent: Sendable {
    /// A record. Store its offset (``KafkaConsumer/storeOffset(of:)``) once its processing is durable.
    case message(KafkaMessage)
    /// These partitions were assigned to this consumer and fetching from them has started; their records follow.
    case partitionsAssigned([KafkaTopicPartition])
    /// These partitions are being taken away; none of their records follows. They stay assigned (so stored
    /// offsets can still be committed) until the application asks for the next event, which is how it says it
    /// is done with them. `lost` means the group already gave them to another member (session timed out): do not
    /// commit for them.
    case partitionsRevoked([KafkaTopicPartition], lost: Bool)
    /// The consumer reached the end of a partition (only with `enable.partition.eof=true`); `offset` is the next
    /// offset to be written there.
    case endOfPartition(KafkaTopicPartition, offset: Int64)
    /// A consumer error librdkafka reported; it keeps retrying unless the error is fatal.
    case error(KafkaError)
}
