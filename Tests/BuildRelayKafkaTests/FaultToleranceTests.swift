import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Testing

@Suite("Idempotent producer under broker faults", .timeLimit(.minutes(3)))
struct FaultToleranceTests {
    /// The broker stops answering rather than going down: `rd_kafka_mock_broker_set_down` re-binds the broker's
    /// port, which another test of this process can take meanwhile, and librdkafka then aborts the whole process.
    /// A real outage runs in the chaos suite's own process (broker-faults).
    @Test("injected produce errors and a broker that stops answering deliver every record exactly once")
    func idempotentProducerDeliversExactlyOnceUnderFaults() async throws {
        let (cluster, topic) = try clusterWithTopic("faults", partitions: 6, brokers: 1)
        let producer = try makeProducer(cluster, properties: ["linger.ms": "5", "retry.backoff.ms": "50", "request.timeout.ms": "1000"])
        _ = try await producer.partitionCount(topic: topic)
        func records(_ range: Range<Int>) -> [KafkaProducerRecord] {
            range.map { KafkaProducerRecord(topic: topic, key: Array("k\($0 % 97)".utf8), value: Array("\($0)".utf8)) }
        }

        cluster.pushRequestErrors(.produce, [
            .notLeaderForPartition, .requestTimedOut, .transport, .notEnoughReplicas,
            .notLeaderForPartition, .requestTimedOut, .transport, .requestTimedOut,
        ])
        try await producer.enqueue(contentsOf: records(0..<1_000))
        try await producer.flush(timeout: .seconds(60))

        // Answers would come after the requests timed out: the producer drops the connection and sends them again.
        try cluster.setRoundTripTime(.milliseconds(3000), broker: 1)
        try await producer.enqueue(contentsOf: records(1_000..<2_000))
        try await Task.sleep(for: .seconds(5))
        try cluster.setRoundTripTime(.zero, broker: 1)
        cluster.pushRequestErrors(.produce, [.requestTimedOut, .transport, .notLeaderForPartition])
        try await producer.enqueue(contentsOf: records(2_000..<3_000))
        try await producer.flush(timeout: .seconds(60))
        #expect(producer.failedDeliveries == 0)

        let values = try await readToEnd(bootstrapServers: cluster.bootstrapServers, topic: topic, partitions: 6).map { String(decoding: $0.value ?? [], as: UTF8.self) }
        #expect(values.count == 3_000)
        #expect(Set(values) == Set((0..<3_000).map(String.init)))
        await producer.close()
    }
}

extension FaultToleranceTests {
    @Test("moving a partition's leader to another broker mid-stream loses and duplicates nothing")
    func leaderChangeDeliversExactlyOnce() async throws {
        let (cluster, topic) = try clusterWithTopic("leader", partitions: 2, brokers: 3)
        let producer = try makeProducer(cluster)
        func records(_ range: Range<Int>) -> [KafkaProducerRecord] {
            range.map { KafkaProducerRecord(topic: topic, partition: Int32($0 % 2), value: Array("\($0)".utf8)) }
        }
        try await producer.enqueue(contentsOf: records(0..<500))
        try await producer.flush(timeout: .seconds(30))
        try cluster.setPartitionLeader(topic: topic, partition: 0, brokerID: 2)
        try cluster.setPartitionLeader(topic: topic, partition: 1, brokerID: 3)
        try await producer.enqueue(contentsOf: records(500..<1_000))
        try await producer.flush(timeout: .seconds(60))
        #expect(producer.failedDeliveries == 0)

        let values = try await readToEnd(bootstrapServers: cluster.bootstrapServers, topic: topic, partitions: 2).map { String(decoding: $0.value ?? [], as: UTF8.self) }
        #expect(values.count == 1_000)
        #expect(Set(values) == Set((0..<1_000).map(String.init)))
        await producer.close()
    }
}
