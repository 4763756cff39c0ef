import CRdKafka
import Dispatch
import Logging
import Synchronization

/// Owns one `rd_kafka_t` handle and destroys it exactly once, after which its context is released.
///
/// Calls that may block (metadata, watermarks, flush, commit, close) go through ``runBlocking(_:)``, which runs
/// them on a private serial dispatch queue, never on Swift's cooperative pool.
/// `@unchecked Sendable`: librdkafka handles are thread-safe; `handle` is immutable and only destroyed in `deinit`.
final class RdKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let context: RdKafkaClientContext
    /// A consumer's queue (every event is routed to it), whose becoming non-empty wakes
    /// ``ConsumerContext/queueBecameNonEmpty()``. `nil` for other clients.
    let consumerQueue: OpaquePointer?
    private let blockingQueue: DispatchQueue
    /// A consumer close that did not finish in time (``closeConsumer(within:serve:)``): `deinit` then destroys the
    /// handle without closing the consumer again, which would wait for the same unanswered broker.
    private let consumerCloseAbandoned = Atomic<Bool>(false)

    convenience init(
        type: rd_kafka_type_t, configuration: [(key: String, value: String, isSecret: Bool)],
        context: RdKafkaClientContext
    ) throws {
        let conf = try RdKafkaConfigurationBuilder.make(configuration, context: context)
        try self.init(type: type, conf: conf, context: context)
    }

    /// Takes ownership of `conf`.
    init(type: rd_kafka_type_t, conf: OpaquePointer, context: RdKafkaClientContext) throws {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            let message = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError.invalidArgument("cannot create Kafka client: \(message)")
        }
        self.handle = handle
        self.context = context
        self.blockingQueue = DispatchQueue(label: "buildrelay.kafka.blocking")
        if type == RD_KAFKA_CONSUMER, context is ConsumerContext {
            let error = rd_kafka_poll_set_consumer(handle)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let queue = rd_kafka_queue_get_consumer(handle) else {
                rd_kafka_destroy(handle)
                throw KafkaError(error, message: "cannot route events to the consumer queue")
            }
            rd_kafka_queue_cb_event_enable(queue, { _, opaque in
                guard let opaque else { return }
                Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue().queueBecameNonEmpty()
            }, Unmanaged.passUnretained(context).toOpaque())
            self.consumerQueue = queue
        } else {
            self.consumerQueue = nil
        }
    }

    deinit {
        if let consumerQueue {
            rd_kafka_queue_cb_event_enable(consumerQueue, nil, nil)
            rd_kafka_queue_destroy(consumerQueue)
        }
        rd_kafka_destroy_flags(handle, consumerCloseAbandoned.load(ordering: .acquiring) ? RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE : 0)
    }

    var name: String { String(cString: rd_kafka_name(handle)) }

    /// Runs `body` on the client's blocking queue and returns its result.
    func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            blockingQueue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Closes a consumer (commits stored offsets when auto-commit is on, leaves the group) for at most `timeout`:
    /// `rd_kafka_consumer_close` waits for the group coordinator without limit, and a broker that died at the moment
    /// of a graceful shutdown never answers. Every event of the group meanwhile (rebalances, records fetched, errors)
    /// is handed to `serve` on the calling thread. Returns `false` when the close did not finish in time; the handle
    /// is then destroyed without closing again (as after a close librdkafka refused, which is logged). Blocks: call it
    /// through ``runBlocking(_:)``.
    func closeConsumer(within timeout: Duration, serve: (_ event: OpaquePointer) -> Void) -> Bool {
        let deadline = ContinuousClock.now + timeout
        guard let queue = rd_kafka_queue_new(handle) else { return false }
        defer { rd_kafka_queue_destroy(queue) }
        if let error = rd_kafka_consumer_close_queue(handle, queue) {
            // Nothing is closing, so nothing will finish: do not wait, and do not close again on destroy.
            context.logger.warning("consumer close failed", metadata: ["kafka.error": "\(KafkaError(consuming: error))"])
            consumerCloseAbandoned.store(true, ordering: .releasing)
            return true
        }
        while rd_kafka_consumer_closed(handle) == 0 {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                consumerCloseAbandoned.store(true, ordering: .releasing)
                return false
            }
            // Events, not callbacks: rd_kafka_queue_poll_callback asserts on the records this queue also receives.
            guard let event = rd_kafka_queue_poll(queue, min(left, .milliseconds(100)).milliseconds) else { continue }
            serve(event)
            rd_kafka_event_destroy(event)
        }
        return true
    }

    /// The number of partitions of `topic`, from a metadata request (blocking, so off the cooperative pool).
    /// The partition count of each of `topics` that exists (a missing one has no entry), from one metadata request
    /// for **all** topics: a request naming a topic would let a broker with `auto.create.topics.enable` (and the
    /// embedded broker, for librdkafka's producer) create it on the spot. No answer within `timeout` throws
    /// (``KafkaError/isNoBrokerAnswer``).
    func partitionCounts(of topics: Set<String>, timeout: Duration) async throws -> [String: Int] {
        try await runBlocking { [self] in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            try KafkaError.check(rd_kafka_metadata(handle, 1, nil, &metadata, timeout.milliseconds), "metadata request")
            guard let metadata else { return [:] }
            defer { rd_kafka_metadata_destroy(metadata) }
            var counts: [String: Int] = [:]
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let entry = metadata.pointee.topics[index]
                let name = String(cString: entry.topic)
                guard topics.contains(name), entry.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART else { continue }
                try KafkaError.check(entry.err, "topic \(name)")
                counts[name] = Int(entry.partition_cnt)
            }
            return counts
        }
    }

    /// The partition count of `topic` (see ``partitionCounts(of:timeout:)``); a missing topic throws
    /// ``KafkaError/Code/unknownTopicOrPartition``.
    func partitionCount(topic: String, timeout: Duration) async throws -> Int {
        guard let count = try await partitionCounts(of: [topic], timeout: timeout)[topic] else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(topic) does not exist")
        }
        return count
    }

    /// The low and high watermark of a partition, asked of its leader.
    func queryWatermarks(_ partition: KafkaTopicPartition, timeout: Duration) async throws -> (low: Int64, high: Int64) {
        try await runBlocking { [self] in
            var low: Int64 = 0
            var high: Int64 = 0
            try KafkaError.check(
                rd_kafka_query_watermark_offsets(
                    handle, partition.topic, partition.partition, &low, &high, timeout.milliseconds),
                "watermarks of \(partition)")
            return (low, high)
        }
    }
}

extension Duration {
    /// Whole milliseconds, clamped to `Int32` as librdkafka's timeouts expect.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: total)
    }
}
