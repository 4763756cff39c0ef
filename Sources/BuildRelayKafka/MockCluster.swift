import CRdKafka
import Logging

/// librdkafka's mock cluster: real Kafka-protocol brokers on loopback ephemeral ports, in this process, that any
/// Kafka client (other processes, other languages) can use through ``bootstrapServers``.
///
/// Limits of librdkafka 2.0.2's mock: topics are created here (CreateTopics is not supported; auto-created topics
/// get 4 partitions); no log compaction; transactions are accepted but not enforced; each partition keeps at most
/// 100,000 message sets or 5 MiB, dropping older data. The brokers stop when the cluster is released.
public final class MockCluster: Sendable {
    /// The handle that hosts the cluster (librdkafka requires one); it connects to nothing.
    private let host: RdKafkaClient
    /// `nonisolated(unsafe)`: an `rd_kafka_mock_cluster_t *` is thread-safe and only destroyed in `deinit`.
    private nonisolated(unsafe) let cluster: OpaquePointer
    /// `127.0.0.1:PORT,…`, one entry per broker.
    public let bootstrapServers: String
    /// Broker ids are `1...brokerCount`.
    public let brokerCount: Int

    public init(brokers: Int = 1, logger: Logger = Logger(label: "buildrelay.mock-cluster")) throws {
        guard brokers >= 1 else { throw KafkaError.invalidArgument("a mock cluster needs at least one broker") }
        let context = RdKafkaClientContext(logger: logger, onStatistics: nil)
        host = try RdKafkaClient(
            type: RD_KAFKA_PRODUCER, configuration: [("client.id", "buildrelay-mock-cluster", false), ("log_level", "4", false)], context: context)
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, Int32(brokers)) else {
            throw KafkaError.invalidArgument("cannot start a mock cluster of \(brokers) brokers")
        }
        self.cluster = cluster
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.brokerCount = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Creates `topic` (fails if it exists with another layout).
    public func createTopic(_ topic: String, partitions: Int, replicationFactor: Int = 1) throws {
        try KafkaError.check(
            rd_kafka_mock_topic_create(cluster, topic, Int32(partitions), Int32(min(replicationFactor, brokerCount))),
            "create topic \(topic)")
    }

    /// Makes every request for `topic` fail with `error` (`.noError` clears it).
    public func setTopicError(_ topic: String, _ error: KafkaError.Code) {
        rd_kafka_mock_topic_set_error(cluster, topic, error.cValue)
    }

    /// Takes a broker off the network: its connections are closed and new ones refused.
    public func setBrokerDown(_ brokerID: Int32) throws {
        try KafkaError.check(rd_kafka_mock_broker_set_down(cluster, brokerID), "set broker \(brokerID) down")
    }

    public func setBrokerUp(_ brokerID: Int32) throws {
        try KafkaError.check(rd_kafka_mock_broker_set_up(cluster, brokerID), "set broker \(brokerID) up")
    }

    /// Delays every response of a broker by `roundTripTime`.
    public func setRoundTripTime(_ roundTripTime: Duration, broker brokerID: Int32) throws {
        try KafkaError.check(
            rd_kafka_mock_broker_set_rtt(cluster, brokerID, roundTripTime.milliseconds), "set broker \(brokerID) RTT")
    }

    /// The next requests of `apiKey` (to any broker) fail with `errors`, one error per request, in order.
    public func pushRequestErrors(_ apiKey: KafkaAPIKey, _ errors: [KafkaError.Code]) {
        let codes = errors.map(\.cValue)
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, buffer.count, buffer.baseAddress)
        }
    }

    /// Drops errors pushed for `apiKey` that were not used yet.
    public func clearRequestErrors(_ apiKey: KafkaAPIKey) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey.rawValue)
    }

    /// Moves the leadership of a partition to `brokerID` (clients learn it from NOT_LEADER errors and metadata).
    public func setPartitionLeader(topic: String, partition: Int32, brokerID: Int32) throws {
        try KafkaError.check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, brokerID),
            "move leader of \(topic)[\(partition)] to broker \(brokerID)")
    }

    /// Makes `brokerID` the coordinator of consumer group `groupID`.
    public func setGroupCoordinator(groupID: String, brokerID: Int32) throws {
        try KafkaError.check(rd_kafka_mock_coordinator_set(cluster, "group", groupID, brokerID), "set coordinator")
    }
}
