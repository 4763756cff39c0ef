import Foundation

/// The parts of librdkafka's statistics JSON (`statistics.interval.ms`) that operators watch.
public struct KafkaStatistics: Sendable {
    /// One broker connection as the client sees it.
    public struct Broker: Sendable, Hashable {
        /// `host:port/id`, as librdkafka names it.
        public var name: String
        public var nodeID: Int32
        /// librdkafka's connection state: `UP`, `DOWN`, `CONNECT`, `INIT`, …
        public var state: String
    }

    /// One partition the client produces to or consumes from.
    public struct Partition: Sendable, Hashable {
        public var topic: String
        public var partition: Int32
        /// Records between the group's committed offset and the high watermark; `nil` when unknown (nothing
        /// committed yet, or not consuming).
        public var consumerLag: Int64?
        /// Records between the offset stored for the next commit and the high watermark; `nil` when unknown.
        public var consumerLagStored: Int64?
        public var committedOffset: Int64?
        public var highWatermark: Int64?
    }

    /// The client's name (`client.id` plus an instance suffix).
    public var clientName: String
    /// Records waiting in the producer's queues (not yet acknowledged).
    public var queuedMessages: Int
    public var brokers: [Broker]
    public var partitions: [Partition]

    /// Parses one statistics document.
    public init(json: Data) throws {
        let document = try JSONDecoder().decode(Document.self, from: json)
        clientName = document.name
        queuedMessages = document.msg_cnt ?? 0
        brokers = (document.brokers ?? [:]).values
            .map { Broker(name: $0.name, nodeID: $0.nodeid ?? -1, state: $0.state ?? "UNKNOWN") }
            .sorted { $0.name < $1.name }
        partitions = (document.topics ?? [:]).values.flatMap { topic in
            (topic.partitions ?? [:]).values.compactMap { partition -> Partition? in
                guard partition.partition >= 0 else { return nil }  // -1 is librdkafka's internal "unassigned" queue
                return Partition(
                    topic: topic.topic, partition: partition.partition,
                    consumerLag: partition.consumer_lag.flatMap { $0 >= 0 ? $0 : nil },
                    consumerLagStored: partition.consumer_lag_stored.flatMap { $0 >= 0 ? $0 : nil },
                    committedOffset: partition.committed_offset.flatMap { $0 >= 0 ? $0 : nil },
                    highWatermark: partition.hi_offset.flatMap { $0 >= 0 ? $0 : nil })
            }
        }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    // Field names follow librdkafka's STATISTICS.md.
    private struct Document: Decodable {
        var name: String
        var msg_cnt: Int?
        var brokers: [String: BrokerDocument]?
        var topics: [String: TopicDocument]?
    }

    private struct BrokerDocument: Decodable {
        var name: String
        var nodeid: Int32?
        var state: String?
    }

    private struct TopicDocument: Decodable {
        var topic: String
        var partitions: [String: PartitionDocument]?
    }

    private struct PartitionDocument: Decodable {
        var partition: Int32
        var consumer_lag: Int64?
        var consumer_lag_stored: Int64?
        var committed_offset: Int64?
        var hi_offset: Int64?
    }
}
