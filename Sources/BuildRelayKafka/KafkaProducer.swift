import CRdKafka
import Logging
import ServiceLifecycle

/// An idempotent Kafka producer over librdkafka.
///
/// - ``send(_:)`` returns once the broker acknowledged the record (its delivery report), or throws.
/// - ``enqueue(_:)`` returns once librdkafka accepted the record into its queue; delivery failures go to
///   ``KafkaProducerConfiguration/onDeliveryFailure``. ``flush(timeout:)`` waits for everything enqueued.
///
/// Both wait (without blocking a thread) while librdkafka's queue is full. Delivery reports are served by a
/// dedicated poll thread started by the initialiser; ``close(timeout:)`` (or ``run()`` ending on graceful
/// shutdown) flushes, stops that thread and destroys the handle; a producer released without `close` discards what
/// was not delivered yet. Safe to use from any task.
public final class KafkaProducer: Service, Sendable {
    private let client: RdKafkaClient
    private let context: ProducerContext
    private let pollThread: PollThread
    private let topics = TopicHandleCache()
    public let configuration: KafkaProducerConfiguration

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        let context = ProducerContext(configuration: configuration, logger: logger)
        let client = try RdKafkaClient(
            type: RD_KAFKA_PRODUCER,
            configuration: configuration.client.librdkafkaProperties(for: .producer, defaults: KafkaProducerConfiguration.defaults),
            context: context)
        self.client = client
        self.context = context
        self.configuration = configuration
        let topics = self.topics
        self.pollThread = PollThread(name: "kafka-producer-poll") { thread in
            while !thread.isStopRequested {
                // After every poll, reports or not: it costs little, and nothing collected in a round (or by a
                // flush on another thread meanwhile) can then wait for a later round.
                rd_kafka_poll(client.handle, 100)
                context.deliveriesServed()
            }
            rd_kafka_poll(client.handle, 0)
            context.deliveriesServed()
            topics.destroyAll()
        }
    }

    deinit {
        pollThread.requestStop()
    }

    /// Produces `record` and returns where the broker stored it.
    ///
    /// Cancelling the calling task does not withdraw a record librdkafka has already accepted.
    public func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        while true {
            let generation = context.currentGeneration
            let report: Result<KafkaDeliveryReport, KafkaError>? = try await withCheckedThrowingContinuation { continuation in
                do throws(KafkaError) {
                    try tryEnqueue(record) { continuation.resume(returning: $0) }
                } catch {
                    if error.code == .queueFull { continuation.resume(returning: nil) } else { continuation.resume(throwing: error) }
                }
            }
            if let report { return try report.get() }
            await context.waitForQueueSpace(after: generation)
        }
    }

    /// Hands `record` to librdkafka without waiting for the broker's acknowledgement.
    public func enqueue(_ record: KafkaProducerRecord) async throws {
        while true {
            let generation = context.currentGeneration
            guard let error = produce(record, opaque: nil) else { return }
            guard error.code == .queueFull else { throw error }
            await context.waitForQueueSpace(after: generation)
        }
    }

    /// Hands `record` to librdkafka, waiting for queue space; `onDelivery` runs on the poll thread with the
    /// delivery report. Keep it short: it holds up other delivery reports.
    public func enqueue(_ record: KafkaProducerRecord, onDelivery: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) async throws {
        while true {
            let generation = context.currentGeneration
            do throws(KafkaError) {
                return try tryEnqueue(record, onDelivery: onDelivery)
            } catch {
                guard error.code == .queueFull else { throw error }
                await context.waitForQueueSpace(after: generation)
            }
        }
    }

    /// Hands `record` to librdkafka if its queue has room, else throws ``KafkaError/Code/queueFull`` (and
    /// `onDelivery` never runs). Never waits.
    public func tryEnqueue(_ record: KafkaProducerRecord, onDelivery: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) throws(KafkaError) {
        let opaque = Unmanaged.passRetained(DeliveryPromise(topic: record.topic, completion: onDelivery)).toOpaque()
        guard let error = produce(record, opaque: opaque) else { return }
        Unmanaged<DeliveryPromise>.fromOpaque(opaque).release()
        throw error
    }

    /// Runs `handler` after each round of delivery reports, on the thread that served them, once the round's last
    /// `onDelivery` returned: it lets a caller apply many acknowledgements at once (collect in `onDelivery`,
    /// apply in `handler`). Rounds are served by the poll thread, and by ``flush(timeout:)`` on its caller's behalf.
    /// `handler` also runs after polls that served no report, so it must expect an empty round.
    public func afterEachDeliveryRound(_ handler: @escaping @Sendable () -> Void) {
        context.setRoundHandler(handler)
    }

    /// Hands every record to librdkafka in order, waiting for queue space as needed.
    public func enqueue(contentsOf records: some Sequence<KafkaProducerRecord>) async throws {
        for record in records { try await enqueue(record) }
    }

    /// Waits until every record handed to librdkafka was acknowledged or failed; throws `timedOut` otherwise.
    public func flush(timeout: Duration) async throws {
        try await client.runBlocking { [client, context] in
            // rd_kafka_flush serves delivery reports itself, on this thread: end its round here.
            defer { context.deliveriesServed() }
            try KafkaError.check(rd_kafka_flush(client.handle, timeout.milliseconds), "flush")
        }
    }

    /// Records produced and not yet acknowledged or failed.
    public var outstandingRecords: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Records sent with ``enqueue(_:)`` whose delivery failed, since the producer was created.
    public var failedDeliveries: Int { context.failedDeliveries.load(ordering: .relaxed) }

    /// The partition count of each of `topics` that exists, without ever creating one (one metadata request).
    public func partitionCounts(of topics: Set<String>, timeout: Duration = .seconds(10)) async throws -> [String: Int] {
        try await client.partitionCounts(of: topics, timeout: timeout)
    }

    /// The partition count of `topic`, without ever creating it; a missing topic throws
    /// ``KafkaError/Code/unknownTopicOrPartition``.
    public func partitionCount(topic: String, timeout: Duration = .seconds(10)) async throws -> Int {
        try await client.partitionCount(topic: topic, timeout: timeout)
    }

    /// Flushes for up to `timeout`, fails whatever is still queued, stops the poll thread and destroys the handle.
    /// Later calls fail; calling it again does nothing.
    public func close(timeout: Duration = .seconds(10)) async {
        guard !pollThread.isStopRequested else { return await pollThread.join() }
        do {
            try await flush(timeout: timeout)
        } catch {
            context.logger.warning("producer closed with undelivered records", metadata: [
                "kafka.outstanding": "\(outstandingRecords)", "kafka.error": "\(error)",
            ])
            rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        }
        pollThread.requestStop()
        await pollThread.join()
    }

    /// Runs until graceful shutdown, then closes the producer.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Hands one record to librdkafka (which copies its bytes); returns the error instead of throwing so callers
    /// can wait and retry on a full queue. Records without headers take librdkafka's plain `rd_kafka_produce`.
    private func produce(_ record: KafkaProducerRecord, opaque: UnsafeMutableRawPointer?) -> KafkaError? {
        guard !pollThread.isStopRequested else { return KafkaError(code: .destroyed, message: "producer is closed") }
        guard let topic = topics.handle(for: record.topic, client: client.handle) else {
            return KafkaError.invalidArgument("invalid topic name \(record.topic)")
        }
        let partition = record.partition ?? RD_KAFKA_PARTITION_UA
        if record.headers.isEmpty {
            let status = withOptionalBytes(record.key) { key, keyCount in
                withOptionalBytes(record.value) { value, valueCount in
                    rd_kafka_produce(topic, partition, RD_KAFKA_MSG_F_COPY, UnsafeMutableRawPointer(mutating: value), valueCount, key, keyCount, opaque)
                }
            }
            return status == 0 ? nil : KafkaError(rd_kafka_last_error())
        }
        let headers = rd_kafka_headers_new(record.headers.count)!
        for header in record.headers {
            var name = header.name
            name.withUTF8 { name in
                withOptionalBytes(header.value) { value, count in
                    _ = rd_kafka_header_add(headers, name.baseAddress, name.count, value, count)
                }
            }
        }
        let error: OpaquePointer? = withOptionalBytes(record.key) { key, keyCount in
            withOptionalBytes(record.value) { value, valueCount in
                withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { fields in
                    func field(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) -> rd_kafka_vu_t {
                        var field = rd_kafka_vu_t()
                        field.vtype = type
                        set(&field)
                        return field
                    }
                    fields[0] = field(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
                    fields[1] = field(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    fields[2] = field(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition }
                    fields[3] = field(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value), size: valueCount) }
                    fields[4] = field(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key), size: keyCount) }
                    fields[5] = field(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers }
                    fields[6] = field(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    return rd_kafka_produceva(client.handle, fields.baseAddress, 7)
                }
            }
        }
        guard let error else { return nil }
        rd_kafka_headers_destroy(headers)  // ownership passes to librdkafka only on success
        return KafkaError(consuming: error)
    }
}

/// Calls `body` with the address and count of `bytes`, or `(nil, 0)` for `nil`.
func withOptionalBytes<T>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> T) -> T {
    guard let bytes else { return body(nil, 0) }
    guard !bytes.isEmpty else { return body(UnsafeRawPointer(emptyPayload), 0) }  // empty, which Kafka tells from null
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}

/// A valid address for zero-length keys and values. Never written; allocated once for the process.
private nonisolated(unsafe) let emptyPayload = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
