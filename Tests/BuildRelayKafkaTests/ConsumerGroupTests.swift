import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Logging
import Testing

@Suite("Consumer groups on the mock cluster", .timeLimit(.minutes(3)))
struct ConsumerGroupTests {
    @Test("a restarted member resumes exactly after the offsets its group committed")
    func restartResumesAfterCommittedOffset() async throws {
        let cluster = try MockCluster()
        let topic = uniqueName("resume")
        let group = uniqueName("group")
        try cluster.createTopic(topic, partitions: 3)
        let producer = try makeProducer(cluster)
        try await producer.enqueue(contentsOf: (0..<300).map { KafkaProducerRecord(topic: topic, key: Array("k\($0)".utf8), value: Array("\($0)".utf8)) })
        try await producer.flush(timeout: .seconds(30))

        // First member: processes (stores) 120 records, commits, closes. It may have fetched more than that.
        let first = try makeConsumer(cluster, group: group, properties: ["enable.auto.commit": "false"])
        try first.subscribe(topics: [topic])
        let processed = try await withDeadline(60, "first member") {
            await first.events.collect { $0.count >= 120 }
        }.prefix(120)
        for message in processed { try first.storeOffset(of: message) }
        try await first.commit()
        var expectedNext: [KafkaTopicPartition: Int64] = [:]
        for message in processed { expectedNext[message.topicPartition] = max(expectedNext[message.topicPartition] ?? 0, message.offset + 1) }
        let committed = try await first.committedOffsets(expectedNext.keys.map { $0 })
        for (partition, offset) in expectedNext { #expect(committed[partition] == offset) }
        await first.close()

        // Second member of the same group: gets exactly the records the first did not process.
        let second = try makeConsumer(cluster, group: group)
        try second.subscribe(topics: [topic])
        let rest = try await withDeadline(60, "second member") { await second.events.collect { $0.count >= 180 } }
        #expect(rest.count == 180)
        let processedValues = Set(processed.map { String(decoding: $0.value!, as: UTF8.self) })
        let restValues = Set(rest.map { String(decoding: $0.value!, as: UTF8.self) })
        #expect(processedValues.isDisjoint(with: restValues))
        #expect(processedValues.union(restValues).count == 300)
        for (partition, offset) in expectedNext {
            let firstOffset = rest.filter { $0.topicPartition == partition }.map(\.offset).min()
            #expect(firstOffset == nil || firstOffset == offset, "\(partition) resumed at \(firstOffset ?? -1), committed \(offset)")
        }
        await second.close()
        await producer.close()
    }

    @Test("records of a newly assigned partition come after its assignment event, even when the rebalance callback is slow")
    func recordsFollowTheirAssignment() async throws {
        let (cluster, topic) = try clusterWithTopic("assign-order", partitions: 2)
        let producer = try makeProducer(cluster)
        try await producer.enqueue(contentsOf: (0..<50).map { KafkaProducerRecord(topic: topic, key: Array("k\($0)".utf8), value: Array("\($0)".utf8)) })
        try await producer.flush(timeout: .seconds(30))
        // The assignment callback logs; a slow write there gives librdkafka time to fetch the partitions' records
        // before the poll that served the callback returns.
        let slowLogger = Logger(label: "slow") { _ in SlowLogHandler(slowMessage: "partitions assigned", delay: .milliseconds(500)) }
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: uniqueName("group"), properties: fastGroupProperties),
            logger: slowLogger)
        try consumer.subscribe(topics: [topic])
        let recorder = EventRecorder(consumer)
        try await recorder.waitForMessages(50)
        let events = recorder.all
        let firstAssignment = events.firstIndex { if case .partitionsAssigned = $0 { true } else { false } }
        let firstMessage = events.firstIndex { if case .message = $0 { true } else { false } }
        #expect(firstAssignment != nil && firstMessage != nil && firstAssignment! < firstMessage!, "events: \(events.prefix(3))")
        await recorder.stop()
        await consumer.close()
        await producer.close()
    }

    @Test("two members split the partitions; when one closes the other gets them all, seeing revoke before the partitions go")
    func membersSplitAndTakeOverPartitions() async throws {
        let cluster = try MockCluster()
        let topic = uniqueName("split")
        let group = uniqueName("group")
        try cluster.createTopic(topic, partitions: 12)

        let first = try makeConsumer(cluster, group: group)
        // While a revoke is being handled the partitions must still be assigned.
        let revokedWhileAssigned = RevokeProbe()
        let firstRecorder = EventRecorder(first) { event in
            if case .partitionsRevoked(let partitions, let lost) = event, !lost {
                let stillAssigned = (try? first.assignment()) ?? []
                revokedWhileAssigned.record(Set(partitions).isSubset(of: Set(stillAssigned)))
            }
        }
        try first.subscribe(topics: [topic])
        try await firstRecorder.wait("first member assigned 12") { currentAssignment($0).count == 12 }

        let second = try makeConsumer(cluster, group: group)
        let secondRecorder = EventRecorder(second)
        try second.subscribe(topics: [topic])
        try await secondRecorder.wait("second member assigned") { !currentAssignment($0).isEmpty }
        // An eager rebalance revokes all twelve before assigning a share: wait for the share, not the gap.
        try await firstRecorder.wait("first member keeps a share") { (1..<12).contains(currentAssignment($0).count) }
        let firstShare = currentAssignment(firstRecorder)
        let secondShare = currentAssignment(secondRecorder)
        #expect(firstShare.isDisjoint(with: secondShare))
        #expect(firstShare.count + secondShare.count == 12)
        #expect(!firstShare.isEmpty)

        await second.close()
        try await firstRecorder.wait("first member takes all 12 back") { currentAssignment($0).count == 12 }
        #expect(!firstRecorder.revoked.isEmpty)
        #expect(firstRecorder.assigned.count >= 2)
        #expect(revokedWhileAssigned.results.allSatisfy { $0 })
        #expect(!revokedWhileAssigned.results.isEmpty)
        await first.close()
    }

    @Test("a consumer closes cleanly while idle and its event sequence ends")
    func closeEndsTheEventSequence() async throws {
        let (cluster, topic) = try clusterWithTopic("close", partitions: 1)
        let consumer = try makeConsumer(cluster, group: uniqueName("group"))
        try consumer.subscribe(topics: [topic])
        let recorder = EventRecorder(consumer)
        try await recorder.wait("the assignment", seconds: 30) { !$0.assigned.isEmpty }
        // Now idle: assigned, with nothing to read.
        try await withDeadline(30, "close") { await consumer.close() }
        try await withDeadline(30, "end of events") { await recorder.waitForEnd() }
    }

    @Test("a member whose broker died closes within its timeout, with offsets stored and the final revoke delivered")
    func closeGivesUpOnADeadBroker() async throws {
        let (cluster, topic) = try clusterWithTopic("dead-broker", partitions: 2)
        let producer = try makeProducer(cluster)
        _ = try await producer.send(KafkaProducerRecord(topic: topic, key: Array("k".utf8), value: Array("v".utf8)))
        let consumer = try makeConsumer(cluster, group: uniqueName("group"), properties: ["enable.auto.commit": "false"])
        try consumer.subscribe(topics: [topic])
        let recorder = EventRecorder(consumer)
        try await recorder.waitForMessages(1, seconds: 30)
        try consumer.storeOffset(of: try #require(recorder.messages.first))
        // The broker goes down while the close runs, as when a deployment is torn down at once.
        let closed = LockedArray<Bool>()
        Task {
            await consumer.close(timeout: .seconds(2))
            closed.append(true)
        }
        try cluster.setBrokerDown(1)
        try await waitUntil("the close to give up on the dead broker", seconds: 60) { !closed.values.isEmpty }
        try await withDeadline(30, "end of events") { await recorder.waitForEnd() }
        #expect(!recorder.revoked.isEmpty, "the final revoke was not delivered")
        await producer.close(timeout: .zero)
    }

    @Test("an idle member stays in its group past max.poll.interval.ms, then receives the next record")
    func idleMemberStaysInTheGroup() async throws {
        let (cluster, topic) = try clusterWithTopic("idle", partitions: 2)
        // librdkafka's smallest max.poll.interval.ms is session.timeout.ms: idle for longer than both. 10 s rather than
        // the 6 s minimum: the consumer's keep-alive polls run on Swift's cooperative pool, which the rest of a
        // parallel test run can keep busy for seconds on two cores (a fresh-clone CI run saw the member leave at 6 s).
        let consumer = try makeConsumer(cluster, group: uniqueName("group"), properties: [
            "session.timeout.ms": "10000", "max.poll.interval.ms": "10000", "fetch.wait.max.ms": "50",
        ])
        try consumer.subscribe(topics: [topic])
        let recorder = EventRecorder(consumer)
        try await recorder.wait("the assignment", seconds: 30) { !$0.assigned.isEmpty }
        try await Task.sleep(for: .seconds(13))
        let producer = try makeProducer(cluster)
        _ = try await producer.send(KafkaProducerRecord(topic: topic, key: Array("k".utf8), value: Array("after the idle time".utf8)))
        try await recorder.waitForMessages(1, seconds: 30)
        #expect(recorder.revoked.isEmpty, "the member left its group while idle")
        #expect(!recorder.all.contains { if case .error = $0 { true } else { false } })
        await recorder.stop()
        await consumer.close()
        await producer.close()
    }
}

/// Replays assigned/revoked events into the current assignment (works for eager and cooperative rebalancing).
func currentAssignment(_ recorder: EventRecorder) -> Set<KafkaTopicPartition> {
    var current = Set<KafkaTopicPartition>()
    for event in recorder.all {
        switch event {
        case .partitionsAssigned(let partitions): current.formUnion(partitions)
        case .partitionsRevoked(let partitions, _): current.subtract(partitions)
        default: break
        }
    }
    return current
}

final class RevokeProbe: Sendable {
    private let storage = LockedArray<Bool>()
    func record(_ value: Bool) { storage.append(value) }
    var results: [Bool] { storage.values }
}

extension ConsumerGroupTests {
    @Test("seek moves an assigned partition back, and a background commit stores the group's offset")
    func seekAndBackgroundCommit() async throws {
        let (cluster, topic) = try clusterWithTopic("seek", partitions: 1)
        let producer = try makeProducer(cluster)
        try await producer.enqueue(contentsOf: (0..<10).map { KafkaProducerRecord(topic: topic, partition: 0, value: Array("\($0)".utf8)) })
        try await producer.flush(timeout: .seconds(30))

        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let consumer = try makeConsumer(cluster, group: uniqueName("group"), properties: ["enable.auto.commit": "false"])
        try consumer.subscribe(topics: [topic])
        let recorder = EventRecorder(consumer)
        try await recorder.waitForMessages(10)
        try consumer.storeOffsets([partition: 7])
        try consumer.commitInBackground()
        let deadline = ContinuousClock.now + .seconds(30)
        while try await consumer.committedOffsets([partition])[partition] != 7 {
            try #require(ContinuousClock.now < deadline, "the background commit never landed")
            try await Task.sleep(for: .milliseconds(50))
        }

        try await consumer.seek([partition: .exact(3)])
        try await recorder.waitForMessages(11)
        #expect(recorder.messages[10].offset == 3)
        #expect(recorder.messages[10].value == Array("3".utf8))
        await consumer.close()
        await producer.close()
    }
}
