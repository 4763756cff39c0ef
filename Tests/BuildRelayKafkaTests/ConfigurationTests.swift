import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Logging
import Testing

@Suite("Client configuration, secrets and statistics", .timeLimit(.minutes(3)))
struct ConfigurationTests {
    @Test("a secret property's value never appears in a description or an error")
    func secretValuesAreNeverEchoed() async throws {
        let secret = "hunter2-\(UUID().uuidString)"
        let configuration = KafkaClientConfiguration(
            bootstrapServers: "127.0.0.1:1", properties: ["linger.ms": "5"],
            secretProperties: ["sasl.password": secret, "acks": "not-a-valid-acks-\(secret)"])
        #expect(!configuration.description.contains(secret))
        #expect(configuration.description.contains("sasl.password=<redacted>"))
        #expect(configuration.description.contains("linger.ms=5"))
        // An invalid value given as a secret is refused without echoing it.
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: KafkaProducerConfiguration(client: configuration), logger: testLogger())
        }
        #expect(error?.message.contains("acks") == true)
        #expect(error?.message.contains(secret) == false)
    }

    @Test("an invalid or unknown librdkafka property fails creation with a message naming the key")
    func invalidPropertyNamesTheKey() {
        let unknown = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: .init(bootstrapServers: "127.0.0.1:1", properties: ["no.such.property": "1"]), logger: testLogger())
        }
        #expect(unknown?.message.contains("no.such.property") == true)
        let invalid = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(configuration: .init(bootstrapServers: "127.0.0.1:1", groupID: "g", properties: ["session.timeout.ms": "soon"]), logger: testLogger())
        }
        #expect(invalid?.message.contains("session.timeout.ms") == true)
    }

    @Test("subscribing without a consumer group is refused")
    func subscribeNeedsAGroup() async throws {
        let consumer = try KafkaConsumer(configuration: .init(bootstrapServers: "127.0.0.1:1", groupID: nil), logger: testLogger())
        #expect(throws: KafkaError.self) { try consumer.subscribe(topics: ["t"]) }
    }

    @Test("librdkafka's statistics reach onStatistics with consumer lag per partition and broker states")
    func statisticsAreParsedAndDelivered() async throws {
        let (cluster, topic) = try clusterWithTopic("stats", partitions: 2)
        let producer = try makeProducer(cluster)
        try await producer.enqueue(contentsOf: (0..<50).map { KafkaProducerRecord(topic: topic, partition: Int32($0 % 2), value: Array("\($0)".utf8)) })
        try await producer.flush(timeout: .seconds(30))

        let received = LockedArray<KafkaStatistics>()
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: KafkaClientConfiguration(
                    bootstrapServers: cluster.bootstrapServers,
                    properties: fastGroupProperties.merging(["statistics.interval.ms": "100"]) { $1 },
                    onStatistics: { received.append($0) }),
                groupID: uniqueName("group")),
            logger: testLogger())
        try consumer.subscribe(topics: [topic])
        let recorder = EventRecorder(consumer) { event in
            if case .message(let message) = event { try? consumer.storeOffset(of: message) }
        }
        try await recorder.waitForMessages(50)
        try await consumer.commit()
        // Both partitions fully processed and committed: lag 0 against a high watermark of 25.
        try await recorder.wait("statistics showing zero lag") { _ in
            guard let latest = received.values.last else { return false }
            let partitions = latest.partitions.filter { $0.topic == topic }
            return partitions.count == 2 && partitions.allSatisfy { $0.consumerLag == 0 && $0.consumerLagStored == 0 && $0.highWatermark == 25 && $0.committedOffset == 25 }
        }
        let latest = try #require(received.values.last)
        #expect(latest.brokers.contains { $0.state == "UP" })
        #expect(!latest.clientName.isEmpty)
        await consumer.close()
        await producer.close()
    }
}

extension ConfigurationTests {
    @Test("closing producers and consumers releases their librdkafka instances and threads")
    func closedClientsReleaseTheirThreads() async throws {
        let (cluster, topic) = try clusterWithTopic("lifecycle", partitions: 1)
        @Sendable func threadCount() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0 }
        func cycle() async throws {
            let producer = try makeProducer(cluster)
            _ = try await producer.send(KafkaProducerRecord(topic: topic, value: Array("x".utf8)))
            await producer.close()
            let consumer = try makeConsumer(cluster, group: nil)
            try consumer.assign([KafkaTopicPartition(topic: topic, partition: 0): .beginning])
            for await event in consumer.events { if case .message = event { break } }
            await consumer.close()
        }
        try await cycle()
        let baseline = threadCount()
        for _ in 0..<5 { try await cycle() }
        // Each librdkafka instance runs several threads; five leaked pairs would add dozens, and never go.
        try await waitUntil("the closed clients' threads are gone (\(baseline) after the first cycle)", seconds: 30) { threadCount() <= baseline + 4 }
    }
}

extension ConfigurationTests {
    @Test("librdkafka's log lines reach swift-log with their facility")
    func librdkafkaLogsGoToSwiftLog() async throws {
        let lines = LockedArray<(Logger.Level, String, String)>()
        var logger = Logger(label: "capture") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .debug
        // Nothing listens on port 1: librdkafka logs the failed connection.
        let producer = try KafkaProducer(configuration: .init(bootstrapServers: "127.0.0.1:1", properties: ["debug": "broker"]), logger: logger)
        try await waitUntil("librdkafka logs the failed connection", seconds: 30) {
            let captured = lines.values
            return captured.contains { $0.2 == "BROKER" || $0.2 == "FAIL" || $0.2 == "CONNECT" } && captured.contains { $0.1.contains("127.0.0.1:1") }
        }
        await producer.close(timeout: .milliseconds(100))
    }
}

struct CapturingLogHandler: LogHandler {
    let lines: LockedArray<(Logger.Level, String, String)>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let facility = event.metadata?["librdkafka.facility"].map { "\($0)" } ?? ""
        lines.append((event.level, "\(event.message)", facility))
    }
}
