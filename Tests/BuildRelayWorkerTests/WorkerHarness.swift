import BuildRelayApp
import BuildRelayCore
import BuildRelayKafka
import BuildRelayProviders
import BuildRelayTestSupport
import BuildRelayWorker
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A broker (``TestBrokers``: the embedded mock cluster unless the run says otherwise) with the worker's four topics, workers running on it, a command producer and a reader of
/// everything published.
final class WorkerHarness: Sendable {
    let cluster: any TestBroker
    let topics: WorkerTopics
    let partitions: Int
    let groupID = uniqueName("group")
    private let producer: KafkaProducer
    /// Sends records larger than a producer's default 1 MB limit.
    private let largeRecordProducer: KafkaProducer

    init(partitions: Int = 4, statePartitions: Int? = nil) throws {
        cluster = try TestBrokers.make()
        var topics = WorkerTopics()
        let suffix = uniqueName("t")
        topics.commands = "commands-\(suffix)"
        topics.status = "status-\(suffix)"
        topics.state = "state-\(suffix)"
        topics.deadLetter = "dlq-\(suffix)"
        try cluster.createTopic(topics.commands, partitions: partitions)
        try cluster.createTopic(topics.status, partitions: partitions)
        try cluster.createTopic(topics.state, partitions: statePartitions ?? partitions)
        try cluster.createTopic(topics.deadLetter, partitions: 1)
        self.topics = topics
        self.partitions = partitions
        producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers), logger: testLogger("commands"))
        largeRecordProducer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers, properties: ["message.max.bytes": "4000000"]),
            logger: testLogger("commands"))
    }

    /// Status polls every 100 ms, so builds move on quickly.
    static let fastPolling = PollIntervals(accepted: .milliseconds(100), running: .milliseconds(100))

    /// Queues every test can use: builds of 3–4 s on `sim` (accepted for the first fifth), failing ones on
    /// `sim-fail`, one-minute ones on `sim-long` (to cancel), instant ones on `fast`.
    static func standardQueues(now: @escaping @Sendable () -> Int64 = WorkerClock.system.wallMilliseconds) -> [BuildQueue] {
        [
            BuildQueue(name: "sim", provider: "simulated", manager: SimulatedBuildManager(configuration: .init(minimumDuration: .seconds(3), maximumDuration: .seconds(4), failureRate: 0), now: now), pollIntervals: fastPolling),
            BuildQueue(name: "sim-fail", provider: "simulated", manager: SimulatedBuildManager(configuration: .init(minimumDuration: .milliseconds(500), maximumDuration: .milliseconds(800), failureRate: 1), now: now), pollIntervals: fastPolling),
            BuildQueue(name: "sim-long", provider: "simulated", manager: SimulatedBuildManager(configuration: .init(minimumDuration: .seconds(60), maximumDuration: .seconds(60), failureRate: 0), now: now), pollIntervals: fastPolling),
            BuildQueue(name: "fast", provider: "noop", manager: NoopBuildManager(), pollIntervals: fastPolling),
        ]
    }

    func configuration(queues: [BuildQueue] = WorkerHarness.standardQueues(), settings: (inout WorkerSettings) -> Void = { _ in }) -> WorkerConfiguration {
        var configuration = WorkerConfiguration(
            kafka: KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers, properties: fastGroupProperties.merging(["fetch.wait.max.ms": "20"]) { $1 }),
            queues: queues)
        configuration.topics = topics
        configuration.settings.groupID = groupID
        configuration.settings.shutdownTimeout = .seconds(10)
        settings(&configuration.settings)
        return configuration
    }

    /// The `buildrelay` options that point a command at this harness's broker and topics.
    var commandLineTarget: [String] {
        [
            "--bootstrap-servers", cluster.bootstrapServers,
            "--set", "topics.commands=\(topics.commands)", "--set", "topics.status=\(topics.status)",
            "--set", "topics.state=\(topics.state)", "--set", "topics.deadLetter=\(topics.deadLetter)",
        ]
    }

    /// Starts a worker in a service group; stop it with ``RunningWorker/stop()``.
    func startWorker(_ configuration: WorkerConfiguration? = nil, clock: WorkerClock = .system) throws -> RunningWorker {
        try RunningWorker(WorkerServices(worker: configuration ?? self.configuration(), httpPort: nil, logger: testLogger("worker"), clock: clock))
    }

    // MARK: Commands

    func send(raw value: [UInt8]?, key: [UInt8]?, headers: [KafkaHeader] = [], largeRecords: Bool = false) async throws {
        _ = try await (largeRecords ? largeRecordProducer : producer).send(KafkaProducerRecord(topic: topics.commands, key: key, value: value, headers: headers))
    }

    /// Sends a command to an explicit `partition` of the commands topic.
    func sendToPartition(_ partition: Int32, json: String, key: String, headers: [KafkaHeader] = []) async throws {
        _ = try await producer.send(KafkaProducerRecord(topic: topics.commands, partition: partition, key: Array(key.utf8), value: Array(json.utf8), headers: headers))
    }

    func send(json: String, key: String, headers: [KafkaHeader] = []) async throws {
        try await send(raw: Array(json.utf8), key: Array(key.utf8), headers: headers)
    }

    /// Sends many triggers without waiting for each acknowledgement.
    func triggerMany(_ requestIDs: [String], queue: String) async throws {
        for id in requestIDs {
            let json = #"{"type":"trigger","requestId":"\#(id)","queue":"\#(queue)","changes":[{"uris":["u"]}]}"#
            try await producer.enqueue(KafkaProducerRecord(topic: topics.commands, key: Array(id.utf8), value: Array(json.utf8)))
        }
        try await producer.flush(timeout: .seconds(30))
    }

    func trigger(_ requestID: String, queue: String = "sim", metadata: [String: String] = [:], traceparent: String? = nil) async throws {
        let metadataJSON = metadata.isEmpty ? "" : ",\"metadata\":{" + metadata.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",") + "}"
        try await send(
            json: #"{"type":"trigger","requestId":"\#(requestID)","queue":"\#(queue)","changes":[{"uris":["github://acme/api/pull/1/abc"],"action":"validate"}]\#(metadataJSON)}"#,
            key: requestID, headers: traceparent.map { [KafkaHeader(name: "traceparent", string: $0)] } ?? [])
    }

    func cancel(_ requestID: String) async throws {
        try await send(json: #"{"type":"cancel","requestId":"\#(requestID)","reason":"test"}"#, key: requestID)
    }

    /// Appends `value` to the status topic keyed by `requestID`, as a worker publishes an event.
    func publishStatus(_ value: [UInt8], requestID: String) async throws {
        _ = try await producer.send(KafkaProducerRecord(topic: topics.status, key: Array(requestID.utf8), value: value))
    }

    // MARK: State topic

    /// Appends `record` to the state topic as a worker would (on the partition its request id's commands use).
    func appendState(_ record: BuildStateRecord, partition: Int32 = 0) async throws {
        _ = try await producer.send(KafkaProducerRecord(
            topic: topics.state, partition: partition, key: Array(record.requestID.rawValue.utf8), value: BuildStateCodec.encode(record)))
    }

    /// Enqueues `record` for the state topic without waiting; ``flushState()`` waits for every enqueued one.
    func enqueueState(_ record: BuildStateRecord, partition: Int32) async throws {
        try await producer.enqueue(KafkaProducerRecord(
            topic: topics.state, partition: partition, key: Array(record.requestID.rawValue.utf8), value: BuildStateCodec.encode(record)))
    }

    func flushState() async throws {
        try await producer.flush(timeout: .seconds(30))
    }

    /// Everything in the state topic now, read with a throwaway consumer.
    func stateRecords() async throws -> [KafkaMessage] {
        try await allRecords(of: topics.state)
    }

    /// Everything in `topic` (one with ``partitions`` partitions) now, read with a throwaway consumer.
    func allRecords(of topic: String) async throws -> [KafkaMessage] {
        try await readToEnd(bootstrapServers: cluster.bootstrapServers, topic: topic, partitions: partitions)
    }

    // MARK: Offsets

    /// The group's committed offset of every command partition (`nil` where nothing was committed).
    func committedOffsets() async throws -> [Int32: Int64?] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: groupID), logger: testLogger("offsets"))
        defer { Task { await consumer.close() } }
        let partitions = (0..<Int32(partitions)).map { KafkaTopicPartition(topic: topics.commands, partition: $0) }
        let committed = try await consumer.committedOffsets(partitions)
        return Dictionary(uniqueKeysWithValues: committed.map { ($0.key.partition, $0.value) })
    }

    /// Waits until the group's committed offset of every command partition is its end. Offsets are committed only
    /// past commands whose effect is durable, so every command sent before was handled.
    func waitUntilEveryCommandIsCommitted(seconds: Double = 60) async throws {
        try await waitUntil("every command handled and committed", seconds: seconds) {
            let ends = try await self.commandTopicEnds()
            let committed = try await self.committedOffsets()
            return ends.allSatisfy { partition, end in end == nil || committed[partition] == end }
        }
    }

    /// The end (high watermark) of every command partition.
    func commandTopicEnds() async throws -> [Int32: Int64?] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: nil), logger: testLogger("offsets"))
        defer { Task { await consumer.close() } }
        var ends: [Int32: Int64?] = [:]
        for partition in 0..<Int32(partitions) {
            let (low, high) = try await consumer.queryWatermarks(KafkaTopicPartition(topic: topics.commands, partition: partition))
            ends[partition] = high > low ? high : nil
        }
        return ends
    }

    // MARK: Reading what was published

    /// Starts reading the status and dead-letter topics from their beginning.
    func startReader() throws -> PublishedRecords {
        try PublishedRecords(cluster: cluster, topics: topics, statusPartitions: partitions)
    }
}

/// A worker process's services (``WorkerServices``) running in their service group.
final class RunningWorker: Sendable {
    let worker: Worker
    private let group: ServiceGroup
    private let task: Task<Result<Void, any Error>, Never>

    init(_ services: WorkerServices) {
        self.worker = services.worker
        let group = services.serviceGroup(logger: testLogger("service-group"))
        self.group = group
        task = Task {
            do { try await group.run(); return .success(()) } catch { return .failure(error) }
        }
    }

    /// Graceful shutdown; returns the worker's outcome.
    @discardableResult
    func stop() async -> Result<Void, any Error> {
        await group.triggerGracefulShutdown()
        return await task.value
    }

    /// Stops the worker abruptly (its task is cancelled): no in-flight work is finished.
    func abort() async {
        task.cancel()
        _ = await task.value
    }

    /// Waits until the worker has joined its group and restored its partitions.
    func waitUntilReady(seconds: Double = 30) async throws {
        try await waitUntil("worker ready", seconds: seconds) { self.worker.isReady }
    }
}

/// One published status event, parsed, with the Kafka headers it came with.
@dynamicMemberLookup
struct PublishedEvent: Sendable {
    var event: StatusEventView
    var headers: [KafkaHeader]

    subscript<Value>(dynamicMember keyPath: KeyPath<StatusEventView, Value>) -> Value { event[keyPath: keyPath] }
}

/// Everything the workers published, read as it arrives.
final class PublishedRecords: Sendable {
    private let consumer: KafkaConsumer
    private let events = LockedArray<PublishedEvent>()
    private let deadLetters = LockedArray<KafkaMessage>()
    private let task: Task<Void, Never>

    init(cluster: any TestBroker, topics: WorkerTopics, statusPartitions: Int) throws {
        consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: nil, properties: ["fetch.wait.max.ms": "20"]),
            logger: testLogger("reader"))
        var assignment: [KafkaTopicPartition: KafkaOffset] = [KafkaTopicPartition(topic: topics.deadLetter, partition: 0): .beginning]
        for partition in 0..<Int32(statusPartitions) { assignment[KafkaTopicPartition(topic: topics.status, partition: partition)] = .beginning }
        try consumer.assign(assignment)
        let (consumer, events, deadLetters) = (consumer, events, deadLetters)
        task = Task {
            for await event in consumer.events {
                guard case .message(let message) = event else { continue }
                if message.topic == topics.deadLetter {
                    deadLetters.append(message)
                } else if let parsed = Self.parse(message) {
                    events.append(parsed)
                }
            }
        }
    }

    deinit { task.cancel() }

    func close() async {
        task.cancel()
        await consumer.close()
    }

    var all: [PublishedEvent] { events.values }
    var deadLettered: [KafkaMessage] { deadLetters.values }

    func events(for requestID: String) -> [PublishedEvent] { all.filter { $0.requestID == requestID } }

    /// The request's events without byte-identical repeats, which the contract allows: a partition's new owner
    /// republishes the last event of each build it restores.
    func distinctEvents(for requestID: String) -> [PublishedEvent] {
        var seen: [String: [UInt8]] = [:]
        return events(for: requestID).filter { event in
            defer { seen[event.id] = event.bytes }
            return seen[event.id] != event.bytes
        }
    }

    /// Waits until the request's events end in a terminal status; returns them.
    @discardableResult
    func waitForTerminal(_ requestID: String, seconds: Double = 30) async throws -> [PublishedEvent] {
        try await waitUntil("a terminal event for \(requestID)", seconds: seconds) {
            self.events(for: requestID).contains { $0.isTerminal }
        }
        return events(for: requestID)
    }

    /// Waits until the request has an event with `status`.
    func waitForStatus(_ requestID: String, _ status: String, seconds: Double = 30) async throws {
        try await waitUntil("a \(status) event for \(requestID)", seconds: seconds) {
            self.events(for: requestID).contains { $0.status == status }
        }
    }

    private static func parse(_ message: KafkaMessage) -> PublishedEvent? {
        StatusEventView(message.value ?? []).map { PublishedEvent(event: $0, headers: message.headers) }
    }
}
