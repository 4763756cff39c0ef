import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// A fresh in-process cluster with one topic named after `prefix`.
func clusterWithTopic(_ prefix: String, partitions: Int, brokers: Int = 1) throws -> (MockCluster, String) {
    let cluster = try MockCluster(brokers: brokers)
    let topic = uniqueName(prefix)
    try cluster.createTopic(topic, partitions: partitions)
    return (cluster, topic)
}

/// A fresh broker of this run's kind (``TestBrokers``) with one topic named after `prefix`.
func brokerWithTopic(_ prefix: String, partitions: Int) throws -> (any TestBroker, String) {
    let broker = try TestBrokers.make()
    let topic = uniqueName(prefix)
    try broker.createTopic(topic, partitions: partitions)
    return (broker, topic)
}

func makeProducer(_ cluster: any TestBroker, properties: [String: String] = [:]) throws -> KafkaProducer {
    try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers, properties: properties), logger: testLogger("producer"))
}

func makeConsumer(_ cluster: any TestBroker, group: String?, properties: [String: String] = [:], readsHeaders: Bool = true) throws -> KafkaConsumer {
    var configuration = KafkaConsumerConfiguration(
        bootstrapServers: cluster.bootstrapServers, groupID: group, properties: fastGroupProperties.merging(properties) { $1 })
    configuration.readsHeaders = readsHeaders
    return try KafkaConsumer(configuration: configuration, logger: testLogger("consumer"))
}

extension KafkaConsumerEvents {
    /// Collects records until `predicate` holds for everything collected so far.
    func collect(until predicate: ([KafkaMessage]) -> Bool) async -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        if predicate(messages) { return messages }
        for await event in self {
            if case .message(let message) = event {
                messages.append(message)
                if predicate(messages) { break }
            }
        }
        return messages
    }
}

/// Iterates a consumer's events on its own task and records them, so a test can wait for conditions.
final class EventRecorder: Sendable {
    private final class Storage: Sendable {
        let events = Mutex<[KafkaConsumerEvent]>([])
    }

    private let storage = Storage()
    private let task: Task<Void, Never>

    init(_ consumer: KafkaConsumer, onEvent: (@Sendable (KafkaConsumerEvent) async -> Void)? = nil) {
        let storage = self.storage
        task = Task {
            for await event in consumer.events {
                await onEvent?(event)
                storage.events.withLock { $0.append(event) }
            }
        }
    }

    deinit { task.cancel() }

    var all: [KafkaConsumerEvent] { storage.events.withLock { $0 } }

    var messages: [KafkaMessage] {
        all.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }

    var assigned: [[KafkaTopicPartition]] {
        all.compactMap { if case .partitionsAssigned(let partitions) = $0 { partitions } else { nil } }
    }

    var revoked: [[KafkaTopicPartition]] {
        all.compactMap { if case .partitionsRevoked(let partitions, _) = $0 { partitions } else { nil } }
    }

    /// Waits until `condition` holds, failing after `seconds`.
    func wait(_ what: String, seconds: Double = 60, until condition: @escaping @Sendable (EventRecorder) -> Bool) async throws {
        try await waitUntil(what, seconds: seconds) { condition(self) }
    }

    func waitForMessages(_ count: Int, seconds: Double = 60) async throws {
        try await wait("\(count) messages", seconds: seconds) { $0.messages.count >= count }
    }

    /// Ends the recording task (the consumer keeps running).
    func stop() async {
        task.cancel()
        await task.value
    }

    /// Returns once the consumer's event sequence ended by itself (after its close).
    func waitForEnd() async {
        await task.value
    }
}


/// A log handler that takes `delay` to write one chosen message and drops every line: a stand-in for a log
/// destination that is slow at the wrong moment (stderr on a loaded machine).
struct SlowLogHandler: LogHandler {
    var slowMessage: String
    var delay: Duration
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.message.description == slowMessage else { return }
        let (seconds, attoseconds) = delay.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
    }
}
