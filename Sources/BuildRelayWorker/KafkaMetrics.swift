import BuildRelayKafka
import Metrics
import Synchronization

/// The worker's Kafka metrics (swift-metrics): consumer lag per command partition and the producer's queue, both
/// from librdkafka's statistics, rebalances, and readiness (as `/readyz` answers).
final class KafkaMetrics: Sendable {
    private let commandsTopic: String
    private let lag = Mutex<[Int32: Gauge]>([:])
    private let producerQueue = Gauge(label: "buildrelay_producer_queue_messages")
    private let assigned = Counter(label: "buildrelay_rebalances_total", dimensions: [("event", "assigned")])
    private let revoked = Counter(label: "buildrelay_rebalances_total", dimensions: [("event", "revoked")])
    private let lost = Counter(label: "buildrelay_rebalances_total", dimensions: [("event", "lost")])
    private let ready = Gauge(label: "buildrelay_worker_ready")

    init(commandsTopic: String) {
        self.commandsTopic = commandsTopic
    }

    /// The group consumer's statistics: lag of each command partition it owns.
    func consumerStatistics(_ statistics: KafkaStatistics) {
        for partition in statistics.partitions where partition.topic == commandsTopic && partition.partition >= 0 {
            guard let value = partition.consumerLag, value >= 0 else { continue }
            let gauge = lag.withLock { gauges in
                if let gauge = gauges[partition.partition] { return gauge }
                let gauge = Gauge(label: "buildrelay_consumer_lag", dimensions: [("topic", commandsTopic), ("partition", String(partition.partition))])
                gauges[partition.partition] = gauge
                return gauge
            }
            gauge.record(value)
        }
    }

    func producerStatistics(_ statistics: KafkaStatistics) {
        producerQueue.record(statistics.queuedMessages)
    }

    func partitionsAssigned() { assigned.increment() }

    /// 1 while the worker is ready (joined its group and restored what it owns), 0 before and after.
    func readiness(_ isReady: Bool) { ready.record(isReady ? 1 : 0) }

    func partitionsRevoked(lost: Bool) { (lost ? self.lost : revoked).increment() }
}
