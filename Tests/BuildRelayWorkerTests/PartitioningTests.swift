import BuildRelayCore
import BuildRelayKafka
import BuildRelayTestSupport
import Foundation
import Testing

/// Contract v2, "Partitioning": commands from any producer's partitioner reach the owner of their home partition.
/// A command consumed off its home is forwarded there, so a trigger and its cancel sent by different clients meet
/// at one worker, and a request id never gets two different events.
/// Serialized: each test runs two workers, and four pairs at once load a two-core CI machine enough to starve other
/// suites' timing-sensitive waits.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PartitioningTests {
    /// How a command is placed, as the clients users run place it.
    enum Placement: CaseIterable, CustomStringConvertible {
        /// BuildRelay's own producers, the Java clients and kafkajs: murmur2, the home partition.
        case murmur2
        /// librdkafka's default (and so kcat's and confluent-kafka's): CRC32 (`consistent_random`).
        case crc32
        /// Sarama's default: FNV-1a (librdkafka's `fnv1a_random`).
        case fnv1a
        /// An explicit partition, chosen off the home partition.
        case explicitOffHome

        var description: String {
            switch self {
            case .murmur2: "murmur2"
            case .crc32: "crc32"
            case .fnv1a: "fnv1a"
            case .explicitOffHome: "explicit"
            }
        }

        var partitioner: String {
            switch self {
            case .murmur2, .explicitOffHome: "murmur2_random"
            case .crc32: "consistent_random"
            case .fnv1a: "fnv1a_random"
            }
        }
    }

    /// One producer per partitioner, sending commands keyed by their request id.
    final class Senders: Sendable {
        let harness: WorkerHarness
        let producers: [String: KafkaProducer]

        init(_ harness: WorkerHarness) throws {
            self.harness = harness
            var producers: [String: KafkaProducer] = [:]
            for partitioner in Set(Placement.allCases.map(\.partitioner)) {
                producers[partitioner] = try KafkaProducer(
                    configuration: KafkaProducerConfiguration(bootstrapServers: harness.cluster.bootstrapServers, properties: ["partitioner": partitioner]),
                    logger: testLogger("senders"))
            }
            self.producers = producers
        }

        /// Sends `json` keyed by `requestID`; returns the partition it landed on.
        @discardableResult
        func send(_ json: String, requestID: String, _ placement: Placement) async throws -> Int32 {
            var partition: Int32?
            if placement == .explicitOffHome, let id = RequestID(rawValue: requestID) {
                partition = (HomePartition.of(id, partitionCount: harness.partitions) + 1) % Int32(harness.partitions)
            }
            let record = KafkaProducerRecord(topic: harness.topics.commands, partition: partition, key: Array(requestID.utf8), value: Array(json.utf8))
            return try await producers[placement.partitioner]!.send(record).partition
        }

        func trigger(_ requestID: String, queue: String, _ placement: Placement) async throws -> Int32 {
            try await send(#"{"type":"trigger","requestId":"\#(requestID)","queue":"\#(queue)","changes":[{"uris":["u"]}]}"#, requestID: requestID, placement)
        }

        func cancel(_ requestID: String, _ placement: Placement) async throws -> Int32 {
            try await send(#"{"type":"cancel","requestId":"\#(requestID)","reason":"superseded"}"#, requestID: requestID, placement)
        }

        func close() async {
            for producer in producers.values { await producer.close() }
        }
    }

    /// Runs `body` with two workers sharing six partitions (so a forwarded command usually changes workers), a reader
    /// of what they publish and one sender per partitioner; stops them all afterwards, also when `body` throws.
    static func withTwoWorkers(_ body: (WorkerHarness, PublishedRecords, Senders) async throws -> Void) async throws {
        let harness = try WorkerHarness(partitions: 6)
        let reader = try harness.startReader()
        let senders = try Senders(harness)
        let first = try harness.startWorker()
        let second = try harness.startWorker()
        do {
            try await first.waitUntilReady()
            try await second.waitUntilReady()
            try await waitUntil("both workers own partitions") {
                !first.worker.engine.ownedPartitions.isEmpty && !second.worker.engine.ownedPartitions.isEmpty
            }
            try await body(harness, reader, senders)
        } catch {
            await first.stop()
            await second.stop()
            await senders.close()
            await reader.close()
            throw error
        }
        await first.stop()
        await second.stop()
        await senders.close()
        await reader.close()
    }

    @Test("a trigger and its cancel sent through different partitioners meet at one worker: the build is cancelled, once")
    func triggerAndCancelFromDifferentPartitionersMeet() async throws {
        try await Self.withTwoWorkers { harness, reader, senders in
            var ids: [String] = []
            var offHome = 0
            for triggerPlacement in Placement.allCases {
                for cancelPlacement in Placement.allCases where cancelPlacement != triggerPlacement {
                    for index in 0..<3 {
                        let id = "mixed-\(triggerPlacement)-\(cancelPlacement)-\(index)"
                        let home = HomePartition.of(RequestID(rawValue: id)!, partitionCount: harness.partitions)
                        ids.append(id)
                        if try await senders.trigger(id, queue: "sim-long", triggerPlacement) != home { offHome += 1 }
                        try await reader.waitForStatus(id, "accepted")
                        if try await senders.cancel(id, cancelPlacement) != home { offHome += 1 }
                    }
                }
            }
            #expect(offHome >= ids.count, "too few commands landed off their home partition for the test to mean anything")
            for id in ids {
                let events = try await reader.waitForTerminal(id)
                #expect(events.last?.status == "cancelled", "\(id): \(events.map(\.status))")
            }
            FailoverTests.checkStreams(reader.all, ids: ids)
            #expect(reader.deadLettered.isEmpty)

            // Every forwarded copy names the record it copies and sits on its request's home partition.
            let commands = try await harness.allRecords(of: harness.topics.commands)
            let copies = commands.filter { $0.headers.firstValue(named: CommandRecord.forwardedFromHeader) != nil }
            #expect(copies.count == offHome)
            for copy in copies {
                let key = String(decoding: copy.key ?? [], as: UTF8.self)
                #expect(copy.partition == HomePartition.of(RequestID(rawValue: key)!, partitionCount: harness.partitions))
                let source = copy.headers.firstValue(named: CommandRecord.forwardedFromHeader) ?? ""
                let parts = source.split(separator: "/").map(String.init)
                #expect(parts.count == 3 && parts[0] == harness.topics.commands && parts[1] != String(copy.partition), "\(source)")
                #expect(commands.contains { "\($0.topic)/\($0.partition)/\($0.offset)" == source && $0.value == copy.value })
            }
        }
    }

    @Test("a cancel that overtakes its trigger through another partitioner still cancels it")
    func cancelOvertakingItsTriggerCancels() async throws {
        try await Self.withTwoWorkers { harness, reader, senders in
            var ids: [String] = []
            for (cancelPlacement, triggerPlacement) in [(Placement.crc32, Placement.murmur2), (.fnv1a, .crc32), (.explicitOffHome, .fnv1a), (.murmur2, .explicitOffHome)] {
                for index in 0..<4 {
                    let id = "overtaken-\(cancelPlacement)-\(triggerPlacement)-\(index)"
                    ids.append(id)
                    try await senders.cancel(id, cancelPlacement)
                    try await senders.trigger(id, queue: "sim-long", triggerPlacement)
                }
            }
            for id in ids {
                let events = try await reader.waitForTerminal(id)
                #expect(events.last?.status == "cancelled", "\(id): \(events.map(\.status))")
            }
            FailoverTests.checkStreams(reader.all, ids: ids)
        }
    }

    @Test("a repeated trigger of a finished request, from any partitioner, starts nothing and publishes nothing")
    func repeatedTriggerOfAFinishedRequestPublishesNothing() async throws {
        try await Self.withTwoWorkers { harness, reader, senders in
            let ids = (0..<8).map { "finished-\($0)" }
            for id in ids { try await senders.trigger(id, queue: "fast", .crc32) }
            for id in ids { try await reader.waitForTerminal(id) }
            let before = Dictionary(uniqueKeysWithValues: ids.map { ($0, reader.events(for: $0).count) })
            for id in ids {
                for placement in Placement.allCases { try await senders.trigger(id, queue: "sim", placement) }
            }
            try await harness.waitUntilEveryCommandIsCommitted()
            for id in ids { #expect(reader.events(for: id).count == before[id], "\(id): \(reader.events(for: id).map(\.status))") }
            FailoverTests.checkStreams(reader.all, ids: ids)
        }
    }
}

extension PartitioningTests {
    @Test("a malformed command consumed off its home is dead-lettered once, by its home's owner, which fails the request")
    func malformedCommandOffItsHomeIsDeadLetteredAtHome() async throws {
        try await Self.withTwoWorkers { harness, reader, senders in
            let id = "malformed-off-home"
            let home = HomePartition.of(RequestID(rawValue: id)!, partitionCount: harness.partitions)
            let landed = try await senders.send(#"{"type":"trigger","requestId":"\#(id)","changes":[{"uris":["u"]}]}"#, requestID: id, .explicitOffHome)
            #expect(landed != home)
            let events = try await reader.waitForTerminal(id)
            #expect(events.map(\.status) == ["failed"])
            try await waitUntil("the command dead-lettered") { !reader.deadLettered.isEmpty }
            try await harness.waitUntilEveryCommandIsCommitted()
            #expect(reader.deadLettered.count == 1)
            #expect(reader.deadLettered.first?.headers.firstValue(named: "buildrelay-source-partition") == String(home))
        }
    }
}

extension PartitioningTests {
    @Test("a forwarded copy that is still off its home (workers disagreeing on the partition count) is handled where it lands, never forwarded again")
    func aForwardedCopyIsNeverForwardedAgain() async throws {
        try await Self.withTwoWorkers { harness, reader, _ in
            let id = "forwarded-elsewhere"
            let home = HomePartition.of(RequestID(rawValue: id)!, partitionCount: harness.partitions)
            let landing = (home + 1) % Int32(harness.partitions)
            let json = #"{"type":"trigger","requestId":"\#(id)","queue":"fast","changes":[{"uris":["u"]}]}"#
            try await harness.sendToPartition(landing, json: json, key: id, headers: [
                KafkaHeader(name: CommandRecord.forwardedFromHeader, string: "\(harness.topics.commands)/\(home)/0"),
            ])
            let events = try await reader.waitForTerminal(id)
            #expect(events.map(\.status) == ["succeeded"])
            try await harness.waitUntilEveryCommandIsCommitted()
            let commands = try await harness.allRecords(of: harness.topics.commands)
            #expect(commands.count == 1, "the copy was forwarded again: \(commands.map { "\($0.partition)/\($0.offset)" })")
        }
    }
}
