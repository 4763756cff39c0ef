import BuildRelayCore
import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Synchronization
import Testing

@Suite("Producer and consumer on the mock cluster", .timeLimit(.minutes(3)))
struct ProducerConsumerTests {
    @Test("a record round-trips with its key, value and headers; a consumer that does not read headers gets it without them")
    func roundTripKeepsKeyValueAndHeaders() async throws {
        let (cluster, topic) = try clusterWithTopic("round-trip", partitions: 3)
        let producer = try makeProducer(cluster)
        let headers = [KafkaHeader(name: "content-type", string: "text/plain"), KafkaHeader(name: "empty", value: nil)]
        let report = try await withDeadline(30, "send with headers") {
            try await producer.send(KafkaProducerRecord(topic: topic, key: Array("k1".utf8), value: Array("hello".utf8), headers: headers))
        }
        #expect(report.topic == topic)
        #expect(report.offset == 0)

        let consumer = try makeConsumer(cluster, group: nil)
        try consumer.assign([KafkaTopicPartition(topic: topic, partition: report.partition): .beginning])
        let received = try await withDeadline(30, "consume") { await consumer.events.collect { $0.count == 1 } }
        let message = try #require(received.first)
        #expect(message.topic == topic)
        #expect(message.partition == report.partition)
        #expect(message.offset == 0)
        #expect(message.key == Array("k1".utf8))
        #expect(message.value == Array("hello".utf8))
        #expect(message.headers == headers)
        #expect(message.timestamp != nil)
        await consumer.close()

        // A consumer that does not read headers gets the same record without them.
        let headerless = try makeConsumer(cluster, group: nil, readsHeaders: false)
        try headerless.assign([KafkaTopicPartition(topic: topic, partition: report.partition): .beginning])
        let again = try #require(try await withDeadline(30, "consume without headers") { await headerless.events.collect { $0.count == 1 } }.first)
        #expect(again.key == message.key)
        #expect(again.value == message.value)
        #expect(again.headers.isEmpty)
        await headerless.close()
        await producer.close()
    }
}

extension ProducerConsumerTests {
    @Test("10,000 keyed records across 12 partitions arrive once each, in order per partition")
    func tenThousandRecordsNoneLostNoneDuplicated() async throws {
        let (cluster, topic) = try clusterWithTopic("many", partitions: 12)
        let producer = try makeProducer(cluster)
        let count = 10_000
        try await producer.enqueue(contentsOf: (0..<count).map {
            KafkaProducerRecord(topic: topic, key: Array("key-\($0 % 500)".utf8), value: Array("\($0)".utf8))
        })
        try await producer.flush(timeout: .seconds(30))
        #expect(producer.failedDeliveries == 0)

        let consumer = try makeConsumer(cluster, group: uniqueName("group"))
        try consumer.subscribe(topics: [topic])
        let messages = try await withDeadline(60, "consume 10,000") { await consumer.events.collect { $0.count >= count } }
        let values = messages.map { Int(String(decoding: $0.value ?? [], as: UTF8.self))! }
        #expect(values.count == count)
        #expect(Set(values).count == count)
        #expect(Set(messages.map(\.partition)).count == 12)
        // Records of one key stay on one partition, in production order.
        let byKey = Dictionary(grouping: messages) { $0.key! }
        for (_, records) in byKey {
            #expect(Set(records.map(\.partition)).count == 1)
            let sequence = records.map { Int(String(decoding: $0.value!, as: UTF8.self))! }
            #expect(sequence == sequence.sorted())
        }
        await consumer.close()
        await producer.close()
    }

    @Test("the default partitioner is Java's murmur2: every key lands on its HomePartition")
    func keysLandOnTheirHomePartition() async throws {
        let (cluster, topic) = try clusterWithTopic("murmur", partitions: 12)
        let producer = try makeProducer(cluster)
        for index in 0..<200 {
            let key = index % 2 == 0 ? "req-\(index)" : String(repeating: "k", count: index % 9) + "\(index * 7919)"
            let report = try await producer.send(KafkaProducerRecord(topic: topic, key: Array(key.utf8), value: []))
            #expect(report.partition == HomePartition.of(key: Array(key.utf8), partitionCount: 12), "key \(key)")
        }
        await producer.close()
    }

    @Test("a record for a partition that does not exist fails its send instead of hanging")
    func deliveryFailureSurfacesAsError() async throws {
        let (cluster, topic) = try clusterWithTopic("small", partitions: 2)
        let producer = try makeProducer(cluster, properties: ["message.timeout.ms": "3000"])
        _ = try await producer.partitionCount(topic: topic)
        await #expect(throws: KafkaError.self) {
            try await withDeadline(20, "send to a missing partition") {
                try await producer.send(KafkaProducerRecord(topic: topic, partition: 7, value: Array("x".utf8)))
            }
        }
        await producer.close()
    }

    @Test("a record larger than message.max.bytes is refused with MSG_SIZE_TOO_LARGE")
    func oversizeRecordIsRefused() async throws {
        let (cluster, topic) = try clusterWithTopic("size", partitions: 1)
        let producer = try makeProducer(cluster, properties: ["message.max.bytes": "10000"])
        #expect(producer.configuration.client.maximumMessageBytes == 10_000)
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerRecord(topic: topic, value: [UInt8](repeating: 1, count: 20_000)))
        }
        #expect(error?.code == .messageSizeTooLarge)
        await producer.close()
    }

    @Test("enqueue waits for room when librdkafka's queue is full, and loses nothing")
    func enqueueWaitsForQueueSpace() async throws {
        let (cluster, topic) = try clusterWithTopic("full", partitions: 4)
        let producer = try makeProducer(cluster, properties: ["queue.buffering.max.messages": "100"])
        try await producer.enqueue(contentsOf: (0..<5_000).map { KafkaProducerRecord(topic: topic, value: Array("\($0)".utf8)) })
        try await producer.flush(timeout: .seconds(30))
        let reader = try makeConsumer(cluster, group: nil)
        var total: Int64 = 0
        for partition in 0..<Int32(4) {
            total += try await reader.queryWatermarks(KafkaTopicPartition(topic: topic, partition: partition)).high
        }
        #expect(total == 5_000)
        #expect(producer.failedDeliveries == 0)
        await reader.close()
        await producer.close()
    }

    @Test("delivery reports come in rounds, each followed by the round handler after its last report")
    func deliveryRoundsEndWithTheHandler() async throws {
        let (cluster, topic) = try clusterWithTopic("rounds", partitions: 4)
        let producer = try makeProducer(cluster)
        // `unannounced`: reports not yet followed by a round's end.
        let seen = Mutex<(reports: Int, unannounced: Int, rounds: Int)>((0, 0, 0))
        producer.afterEachDeliveryRound {
            seen.withLock { seen in
                if seen.unannounced > 0 { seen.rounds += 1 }
                seen.unannounced = 0
            }
        }
        for index in 0..<2_000 {
            try await producer.enqueue(KafkaProducerRecord(topic: topic, key: Array("k\(index)".utf8), value: Array("\(index)".utf8))) { result in
                if case .success = result { seen.withLock { $0.reports += 1; $0.unannounced += 1 } }
            }
        }
        try await producer.flush(timeout: .seconds(30))
        // flush returns once librdkafka's queues are empty, possibly while the last round's callbacks still run.
        let deadline = ContinuousClock.now + .seconds(10)
        while seen.withLock({ $0.reports < 2_000 || $0.unannounced > 0 }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let final = seen.withLock { $0 }
        #expect(final.reports == 2_000)
        #expect(final.unannounced == 0, "reports without a round end after them")
        #expect(final.rounds > 0 && final.rounds < final.reports, "a round carries the reports of a whole produce response")
        await producer.close()
    }

    @Test("the round handler runs at the same stack depth after thousands of rounds (it does not pile up wrappers)")
    func roundHandlerStaysShallow() async throws {
        let cluster = try MockCluster(brokers: 1)
        let producer = try makeProducer(cluster)
        // Stack depths seen by the handler. A closure kept as a `Mutex`'s whole value gained a reabstraction thunk
        // at every round, so each call went one frame deeper than the last (and a long-running worker's stack
        // overflowed releasing it).
        let depths = Mutex<(lowest: Int, highest: Int, calls: Int)>((.max, 0, 0))
        producer.afterEachDeliveryRound {
            let depth = Thread.callStackReturnAddresses.count
            depths.withLock { $0 = (min($0.lowest, depth), max($0.highest, depth), $0.calls + 1) }
        }
        // Each flush ends a round on the flushing thread, besides the poll thread's rounds.
        for _ in 0..<1_000 { try await producer.flush(timeout: .seconds(10)) }
        let seen = depths.withLock { $0 }
        #expect(seen.calls >= 1_000)
        #expect(seen.highest - seen.lowest < 40, "the handler ran \(seen.lowest) to \(seen.highest) frames deep")
        await producer.close()
    }

    @Test("pausing a partition stops its records until it is resumed")
    func pauseAndResume() async throws {
        let (cluster, topic) = try clusterWithTopic("pause", partitions: 1)
        let producer = try makeProducer(cluster)
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        _ = try await producer.send(KafkaProducerRecord(topic: topic, partition: 0, value: Array("before".utf8)))

        let consumer = try makeConsumer(cluster, group: nil)
        try consumer.assign([partition: .beginning])
        let recorder = EventRecorder(consumer)
        try await recorder.waitForMessages(1)
        try consumer.pause([partition])
        _ = try await producer.send(KafkaProducerRecord(topic: topic, partition: 0, value: Array("while paused".utf8)))
        // Give a fetch every chance to happen: nothing may arrive while paused.
        try await Task.sleep(for: .seconds(2))
        #expect(recorder.messages.count == 1)
        try consumer.resume([partition])
        try await recorder.waitForMessages(2)
        #expect(recorder.messages.map { String(decoding: $0.value!, as: UTF8.self) } == ["before", "while paused"])
        await consumer.close()
        await producer.close()
    }
}

extension ProducerConsumerTests {
    @Test("send reports where each record was stored, with and without headers, and null versus empty values survive")
    func sendReportsOffsetsForEveryRecordShape() async throws {
        let (cluster, topic) = try clusterWithTopic("shapes", partitions: 1)
        let producer = try makeProducer(cluster)
        let records = [
            KafkaProducerRecord(topic: topic, partition: 0, value: Array("plain".utf8)),
            KafkaProducerRecord(topic: topic, partition: 0, key: [], value: [], headers: [KafkaHeader(name: "h", string: "1")]),
            KafkaProducerRecord(topic: topic, partition: 0, key: Array("tombstone".utf8), value: nil),
        ]
        var offsets: [Int64] = []
        for record in records {
            offsets.append(try await withDeadline(30, "send") { try await producer.send(record) }.offset)
        }
        #expect(offsets == [0, 1, 2])

        let consumer = try makeConsumer(cluster, group: nil)
        try consumer.assign([KafkaTopicPartition(topic: topic, partition: 0): .beginning])
        let messages = try await withDeadline(30, "consume") { await consumer.events.collect { $0.count >= 3 } }
        #expect(messages[0].key == nil)
        #expect(messages[0].value == Array("plain".utf8))
        #expect(messages[1].key == [])
        #expect(messages[1].value == [])
        #expect(messages[1].headers == [KafkaHeader(name: "h", string: "1")])
        #expect(messages[2].value == nil)
        await consumer.close()
        await producer.close()
    }
}

extension ProducerConsumerTests {
    @Test("an idle consumer wakes for every record, when records arrive one at a time")
    func idleConsumerWakesForEachRecord() async throws {
        let (cluster, topic) = try clusterWithTopic("trickle", partitions: 2)
        let producer = try makeProducer(cluster, properties: ["linger.ms": "0"])
        // The embedded broker answers a fetch only after fetch.wait.max.ms, even when a record arrives sooner.
        let consumer = try makeConsumer(cluster, group: uniqueName("group"), properties: ["fetch.wait.max.ms": "10"])
        try consumer.subscribe(topics: [topic])
        let recorder = EventRecorder(consumer)
        try await recorder.wait("assignment") { !currentAssignment($0).isEmpty }
        for index in 1...30 {
            _ = try await producer.send(KafkaProducerRecord(topic: topic, key: Array("k\(index)".utf8), value: Array("\(index)".utf8)))
            // The consumer has drained everything before and parked; this record must wake it.
            try await recorder.waitForMessages(index, seconds: 20)
        }
        #expect(recorder.messages.map { String(decoding: $0.value!, as: UTF8.self) }.sorted() == (1...30).map(String.init).sorted())
        await consumer.close()
        await producer.close()
    }
}
