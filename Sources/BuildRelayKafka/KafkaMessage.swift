/// A record read from Kafka. Key, value and header bytes are copied out of librdkafka exactly once.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the Unix epoch, as the broker or the producer set it; `nil` if the record has none.
    public var timestamp: Int64?
    /// Whether `timestamp` was set by the producer (`createTime`) or the broker (`logAppendTime`).
    public var timestampKind: KafkaTimestampKind
    public var key: [UInt8]?
    /// `nil` only for a tombstone (a record with a null value).
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64? = nil,
        timestampKind: KafkaTimestampKind = .notAvailable, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.timestampKind = timestampKind
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}

/// Who stamped a record's time.
public enum KafkaTimestampKind: Sendable, Hashable {
    case notAvailable
    case createTime
    case logAppendTime
}
