import BuildRelayCore
import BuildRelayKafka
import Logging
import ServiceLifecycle
import Synchronization

/// One BuildRelay worker: a member of the consumer group on the commands topic, driving a ``WorkerEngine``.
///
/// ``run()`` checks the topics (the state topic must have as many partitions as the commands topic), joins the
/// group and runs until graceful shutdown, then: stops taking commands, waits for local (`process`) builds and
/// stops those that outlast `worker.shutdownTimeout` (reported `failed`), lets in-flight trigger and cancel calls
/// finish and their events be recorded and published, commits, leaves the group, closes every build manager and
/// flushes the producer. Other builds are not cancelled: the group's next owner of their partitions takes them over.
/// Cancelling ``run()`` stops the worker abruptly instead, as a crash would (except that it leaves the group).
public final class Worker: Service, Sendable {
    public let configuration: WorkerConfiguration
    public let engine: WorkerEngine
    private let producer: KafkaProducer
    private let consumer: KafkaConsumer
    private let transport: KafkaWorkerTransport
    private let logger: Logger
    private let ready = Atomic<Bool>(false)
    private let running = Atomic<Bool>(false)
    private let kafkaMetrics: KafkaMetrics
    /// When the worker began waiting for the group to assign it partitions (at start, and after losing them all);
    /// `nil` while it owns an assignment (possibly empty).
    private let waitingForGroupSince = Mutex<ContinuousClock.Instant?>(.now)
    /// The effective session, heartbeat and poll-interval settings, for the waiting log.
    private let groupSettings: String

    /// librdkafka's statistics (consumer lag, producer queue) feed the metrics this often, unless
    /// `statistics.interval.ms` is set.
    static let statisticsInterval = "5000"

    /// The worker's group settings unless `kafka.properties` sets them (librdkafka's defaults are 45 s and 300 s).
    /// A member that vanished without leaving (killed) is noticed after `session.timeout.ms`; a restarted worker
    /// then owns partitions again after about that plus one rebalance (the embedded broker waits about the session
    /// timeout for the other members to rejoin). 6 s is the smallest session timeout Apache Kafka brokers accept by
    /// default (`group.min.session.timeout.ms`). `max.poll.interval.ms` must outlast the longest time the worker goes
    /// without asking for records: a revoke waits up to `worker.shutdownTimeout` for in-flight work, so it is that
    /// plus 15 s for a restore (45 s with the default 30 s).
    public static func groupDefaults(shutdownTimeout: Duration) -> KeyValuePairs<String, String> {
        [
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
            "max.poll.interval.ms": String((shutdownTimeout + .seconds(15)).wholeMilliseconds),
        ]
    }

    /// How long an abrupt stop (cancelled or failed) waits for the broker to let the consumer leave the group.
    static let abruptCloseTimeout: Duration = .seconds(5)
    /// A graceful shutdown that used its budget on records in flight still gives leaving the group, and the final
    /// flush, this long each.
    static let shortestCloseWait: Duration = .seconds(1)

    /// How often the worker says it is still waiting for the group to assign partitions.
    static let groupWaitReportInterval: Duration = .seconds(5)

    /// `clock` is the engine's (``WorkerClock``): the system's unless a test supplies one.
    public init(configuration: WorkerConfiguration, logger: Logger, clock: WorkerClock = .system) throws {
        self.configuration = configuration
        self.logger = logger
        let kafkaMetrics = KafkaMetrics(commandsTopic: configuration.topics.commands)
        self.kafkaMetrics = kafkaMetrics
        var producerClient = configuration.kafka
        // Every transition waits for its state record's acknowledgement before its event is produced, so a batching
        // delay is paid twice per transition; under load, batches form anyway while requests are in flight.
        producerClient.properties["linger.ms"] = producerClient.properties["linger.ms"] ?? "0"
        producerClient.properties["statistics.interval.ms"] = producerClient.properties["statistics.interval.ms"] ?? Self.statisticsInterval
        producerClient.onStatistics = { kafkaMetrics.producerStatistics($0) }
        var consumerClient = configuration.kafka
        consumerClient.properties["statistics.interval.ms"] = consumerClient.properties["statistics.interval.ms"] ?? Self.statisticsInterval
        let groupDefaults = Self.groupDefaults(shutdownTimeout: configuration.settings.shutdownTimeout)
        for (key, value) in groupDefaults { consumerClient.properties[key] = consumerClient.properties[key] ?? value }
        self.groupSettings = groupDefaults.map { "\($0.key)=\(consumerClient.properties[$0.key] ?? $0.value)" }.joined(separator: ", ")
        consumerClient.onStatistics = { kafkaMetrics.consumerStatistics($0) }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: producerClient), logger: logger)
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(client: consumerClient, groupID: configuration.settings.groupID), logger: logger)
        let transport = KafkaWorkerTransport(
            producer: producer, consumer: consumer, topics: configuration.topics,
            stateReader: StateLogReader(topic: configuration.topics.state, client: configuration.kafka, logger: logger), logger: logger)
        self.producer = producer
        self.consumer = consumer
        self.transport = transport
        self.engine = WorkerEngine(settings: configuration.settings, queues: configuration.queues, transport: transport, logger: logger, clock: clock)
    }

    /// Produces `command` to the commands topic, keyed by its request id (so it reaches the owner of the request's
    /// home partition, whichever worker that is), and returns once the broker acknowledged it.
    public func send(_ command: BuildCommand) async throws {
        let key = Array(command.requestID.rawValue.utf8)
        _ = try await producer.send(KafkaProducerRecord(topic: configuration.topics.commands, key: key, value: CommandEncoder.encode(command)))
    }

    /// The worker joined its group and restored every partition it owns (possibly none).
    public var isReady: Bool { ready.load(ordering: .relaxed) }

    /// The consume loop and the engine are running (from the topics check until shutdown or a failure).
    public var isHealthy: Bool { running.load(ordering: .relaxed) }

    public func run() async throws {
        defer {
            ready.store(false, ordering: .relaxed)
            kafkaMetrics.readiness(false)
            running.store(false, ordering: .relaxed)
        }
        let partitionCount = try await checkTopics()
        running.store(true, ordering: .relaxed)
        try consumer.subscribe(topics: [configuration.topics.commands])
        logger.info("worker started", metadata: [
            "group": "\(configuration.settings.groupID)", "commands": "\(configuration.topics.commands)",
            "queues": "\(configuration.queues.map(\.name).sorted())", "librdkafka": "\(Librdkafka.version)",
            "bootstrapServers": "\(configuration.kafka.bootstrapServers)", "partitions": "\(partitionCount)",
        ])
        var failure: (any Error)?
        // Set by a graceful shutdown: the Kafka side of it (records in flight, the commit, leaving the group,
        // flushing) shares one budget, so a broker that died meanwhile delays the exit by at most
        // worker.shutdownTimeout after the local builds.
        var kafkaDeadline: ContinuousClock.Instant?
        do {
            kafkaDeadline = try await withThrowingTaskGroup(of: ContinuousClock.Instant?.self) { group in
                group.addTask { try await self.engine.run(); return nil }
                group.addTask { await self.transport.run(); return nil }
                group.addTask {
                    try await self.consumeUntilShutdown(partitionCount: partitionCount)
                    guard !Task.isCancelled else { return nil }
                    await self.engine.finishLocalBuilds()
                    let deadline = ContinuousClock.now + self.configuration.settings.shutdownTimeout
                    await self.engine.revoke(self.engine.ownedPartitions, lost: false, within: deadline - ContinuousClock.now)
                    await self.consumer.close(timeout: deadline.timeLeft(atLeast: Self.shortestCloseWait))
                    self.engine.stop()
                    self.transport.finish()
                    return deadline
                }
                var deadline: ContinuousClock.Instant?
                for try await finished in group { deadline = deadline ?? finished }
                return deadline
            }
        } catch {
            failure = error
            running.store(false, ordering: .relaxed)
        }
        // Cancelled or failed: stop now, without finishing in-flight work. Only durable work was committed, so the
        // partitions' next owner redoes the rest from the state topic.
        let abrupt = failure != nil || Task.isCancelled
        await consumer.close(timeout: abrupt ? Self.abruptCloseTimeout : configuration.settings.shutdownTimeout)
        await engine.closeManagers()
        await producer.close(timeout: abrupt ? .zero : kafkaDeadline?.timeLeft(atLeast: Self.shortestCloseWait) ?? configuration.settings.shutdownTimeout)
        logger.info("worker stopped", metadata: ["abrupt": "\(abrupt)"])
        if let failure, !(failure is CancellationError) { throw failure }
    }

    /// Feeds the engine until graceful shutdown (or cancellation).
    private func consumeUntilShutdown(partitionCount: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.consume(partitionCount: partitionCount) }
            group.addTask {
                guard (try? await gracefulShutdown()) != nil else { return }
                self.logger.info("graceful shutdown requested (SIGTERM or SIGINT): finishing the provider calls and records in flight, waiting up to worker.shutdownTimeout for this worker's process builds (then stopping them), committing, and leaving the group; other builds keep running and the partitions' next owner follows them", metadata: [
                    "buildsInFlight": "\(self.engine.buildsInFlight)", "localBuilds": "\(self.engine.unfinishedLocalBuilds)",
                    "shutdownTimeout": "\(self.configuration.settings.shutdownTimeout)", "partitions": "\(self.engine.ownedPartitions)",
                ])
            }
            group.addTask { await self.reportGroupWaits() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Logs, every few seconds, that the worker is still waiting for the group to assign it partitions, and what
    /// bounds the wait; runs until cancelled.
    private func reportGroupWaits() async {
        while (try? await Task.sleep(for: Self.groupWaitReportInterval)) != nil {
            guard let since = waitingForGroupSince.withLock({ $0 }) else { continue }
            let waited = ContinuousClock.now - since
            guard waited >= Self.groupWaitReportInterval else { continue }
            logger.info("waiting for the consumer group to assign partitions: a member that left without a word (killed) is noticed after session.timeout.ms, and a rebalance waits for every member to rejoin, up to max.poll.interval.ms", metadata: [
                "group": "\(configuration.settings.groupID)", "waitedSeconds": "\(waited.components.seconds)", "settings": "\(groupSettings)",
            ])
        }
    }

    /// Hands records to the engine a batch at a time (one lock for the batch), and rebalances in between.
    /// `partitionCount` is the commands topic's.
    private func consume(partitionCount: Int) async throws {
        var events = consumer.events.makeAsyncIterator()
        var records: [CommandRecord] = []
        records.reserveCapacity(256)
        while true {
            await engine.waitForRoom(upTo: .seconds(1))
            let batch = await events.nextBatch()
            guard !batch.isEmpty else { return }
            for event in batch {
                if case .message(let message) = event {
                    let traceparent = message.headers.firstValue(named: "traceparent").flatMap { TraceParent.isValid($0) ? $0 : nil }
                    records.append(CommandRecord(
                        topic: message.topic, partition: message.partition, offset: message.offset, key: message.key,
                        value: message.value, traceparent: traceparent,
                        headers: message.headers.map { RecordHeader(name: $0.name, value: $0.value) }))
                    continue
                }
                if !records.isEmpty {
                    engine.accept(records)
                    records.removeAll(keepingCapacity: true)
                }
                switch event {
                case .partitionsAssigned(let partitions):
                    kafkaMetrics.partitionsAssigned()
                    try await engine.assign(partitions.map(\.partition), partitionCount: partitionCount)
                    waitingForGroupSince.withLock { $0 = nil }
                    ready.store(true, ordering: .relaxed)
                    kafkaMetrics.readiness(true)
                case .partitionsRevoked(let partitions, let lost):
                    kafkaMetrics.partitionsRevoked(lost: lost)
                    await engine.revoke(partitions.map(\.partition), lost: lost)
                    if engine.ownedPartitions.isEmpty { waitingForGroupSince.withLock { $0 = $0 ?? .now } }
                case .error(let error):
                    if error.isFatal { throw error }
                    logger.warning("consumer error", metadata: ["kafka.error": "\(error)"])
                case .endOfPartition, .message:
                    break
                }
            }
            if !records.isEmpty {
                engine.accept(records)
                records.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Checks that the four topics exist (without creating any, whatever the broker's `auto.create.topics.enable`)
    /// and that the state topic has as many partitions as the commands topic; returns that count.
    private func checkTopics() async throws -> Int {
        let topics = configuration.topics
        let names = [topics.commands, topics.status, topics.state, topics.deadLetter]
        let counts: [String: Int]
        do {
            counts = try await producer.partitionCounts(of: Set(names))
        } catch let error as KafkaError where error.isNoBrokerAnswer {
            throw KafkaUnreachableError(bootstrapServers: configuration.kafka.bootstrapServers, error: error)
        }
        let missing = names.filter { counts[$0] == nil }
        guard missing.isEmpty else {
            throw WorkerStartupError(message: "topic \(missing.joined(separator: ", ")) does not exist; create the four topics first (see deploy/)")
        }
        let commands = counts[topics.commands] ?? 0
        let state = counts[topics.state] ?? 0
        guard commands == state else {
            throw WorkerStartupError(message: "topic \(topics.state) has \(state) partitions but \(topics.commands) has \(commands); they must be equal")
        }
        return commands
    }
}
