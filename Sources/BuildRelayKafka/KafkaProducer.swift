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
/// shutdown) flushes, stops that thread and destroys the handle. Safe to use from any task.
public final class KafkaProducer: Service, Sendable {
    private let client: RdKafkaClient
    private let context: ProducerContext
    private let pollThread: PollThread
    public let configuration: KafkaProducerConfiguration

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        let context = ProducerContext(configuration: configuration, logger: logger)
        let client = try RdKafkaClient(
            type: RD_KAFKA_PRODUCER,
            configuration: configuration.client.librdkafkaProperties(defaults: KafkaProducerConfiguration.defaults),
            context: context)
        self.client = client
        self.context = context
        self.configuration = configuration
        self.pollThread = PollThread(name: "kafka-producer-poll") { thread in
            while !thread.isStopRequested {
                if rd_kafka_poll(client.handle, 100) > 0 { context.deliveriesServed() }
            }
            rd_kafka_poll(client.handle, 0)
            context.deliveriesServed()
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
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    let promise = DeliveryPromise(continuation, topic: record.topic)
                    let opaque = Unmanaged.passRetained(promise).toOpaque()
                    guard let error = produce(record, opaque: opaque) else { return }
                    Unmanaged<DeliveryPromise>.fromOpaque(opaque).release()
                    promise.fail(error.code == .queueFull ? QueueFull() : error)
                }
            } catch is QueueFull {
                await context.waitForQueueSpace(after: generation)
            }
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

    /// Hands every record to librdkafka in order, waiting for queue space as needed.
    public func enqueue(contentsOf records: some Sequence<KafkaProducerRecord>) async throws {
        for record in records { try await enqueue(record) }
    }

    /// Waits until every record handed to librdkafka was acknowledged or failed; throws `timedOut` otherwise.
    public func flush(timeout: Duration) async throws {
        try await client.runBlocking { [client] in
            try KafkaError.check(rd_kafka_flush(client.handle, timeout.milliseconds), "flush")
        }
    }

    /// Records produced and not yet acknowledged or failed.
    public var outstandingRecords: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Records sent with ``enqueue(_:)`` whose delivery failed, since the producer was created.
    public var failedDeliveries: Int { context.failedDeliveries.load(ordering: .relaxed) }

    /// The number of partitions of `topic`.
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

    /// Calls `rd_kafka_produceva`; returns the error instead of throwing so callers can retry on a full queue.
    private func produce(_ record: KafkaProducerRecord, opaque: UnsafeMutableRawPointer?) -> KafkaError? {
        guard !pollThread.isStopRequested else { return KafkaError(code: .destroyed, message: "producer is closed") }
        var headers: OpaquePointer?
        if !record.headers.isEmpty {
            let list = rd_kafka_headers_new(record.headers.count)!
            for header in record.headers {
                var name = header.name
                name.withUTF8 { name in
                    withOptionalBytes(header.value) { value, count in
                        _ = rd_kafka_header_add(list, name.baseAddress, name.count, value, count)
                    }
                }
            }
            headers = list
        }
        let error: OpaquePointer? = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key, keyCount in
                withOptionalBytes(record.value) { value, valueCount in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { fields in
                        var count = 0
                        func add(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                            var field = rd_kafka_vu_t()
                            field.vtype = type
                            set(&field)
                            fields[count] = field
                            count += 1
                        }
                        add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topic }
                        add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                        if let partition = record.partition { add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition } }
                        if let value { add(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value), size: valueCount) } }
                        if let key { add(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key), size: keyCount) } }
                        if let opaque { add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque } }
                        if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                        return rd_kafka_produceva(client.handle, fields.baseAddress, count)
                    }
                }
            }
        }
        guard let error else { return nil }
        if let headers { rd_kafka_headers_destroy(headers) }  // ownership passes to librdkafka only on success
        return KafkaError(consuming: error)
    }
}

/// Internal signal that `send` must wait for queue space and try again.
private struct QueueFull: Error {}

/// Calls `body` with the address and count of `bytes`, or `(nil, 0)` for `nil`.
func withOptionalBytes<T>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> T) -> T {
    guard let bytes else { return body(nil, 0) }
    return bytes.withUnsafeBytes { body($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), $0.count) }
}
