import CRdKafka

/// Conversions between Swift partition lists and `rd_kafka_topic_partition_list_t`.
enum RdKafkaTopicPartitionList {
    /// Calls `body` with a new list holding `partitions` (each with `offset`), destroying it afterwards.
    static func with<T>(
        _ partitions: some Sequence<(KafkaTopicPartition, KafkaOffset)>,
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T
    ) rethrows -> T {
        let array = Array(partitions)
        let list = rd_kafka_topic_partition_list_new(Int32(array.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in array {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
            element.pointee.offset = offset.rawValue
        }
        return try body(list)
    }

    static func with<T>(
        _ partitions: [KafkaTopicPartition], _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T
    ) rethrows -> T {
        try with(partitions.lazy.map { ($0, KafkaOffset.stored) }, body)
    }

    static func elements(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>?
    ) -> [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            let topic = element.topic.map { String(cString: $0) } ?? ""
            return (KafkaTopicPartition(topic: topic, partition: element.partition), element.offset, element.err)
        }
    }

    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        elements(of: list).map(\.partition)
    }
}
