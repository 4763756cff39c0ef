import CRdKafka
import Logging

/// A Kafka consumer over librdkafka: a group member (``subscribe(topics:)``) or a plain reader
/// (``assign(_:)``).
///
/// The task iterating ``events`` receives records and rebalances in order; it polls librdkafka without blocking
/// and sleeps while there is nothing to read (librdkafka's queue callback wakes it). Iterate ``events`` from one
/// task, and keep iterating: rebalances are served through it, and a member that stops asking for events for
/// `max.poll.interval.ms` leaves the group. Offsets are stored explicitly
/// (``storeOffset(of:)``) once a record's processing is durable, and committed periodically (auto-commit of stored
/// offsets) or by ``commit()``. ``close()`` leaves the group cleanly (LeaveGroup, so partitions move at once),
/// commits stored offsets, and ends ``events``. Close consumers: one released without `close` is closed by
/// `rd_kafka_destroy` on whatever thread releases it last, which blocks that thread.
public final class KafkaConsumer: Sendable {
    private let client: RdKafkaClient
    private let context: ConsumerContext
    private let closing = OnceOperation()
    public let configuration: KafkaConsumerConfiguration

    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws {
        let context = ConsumerContext(configuration: configuration, logger: logger)
        self.client = try RdKafkaClient(
            type: RD_KAFKA_CONSUMER, configuration: configuration.librdkafkaProperties(), context: context)
        self.context = context
        self.configuration = configuration
    }

    /// Records and rebalances, in order. Iterate it from one task only; it ends after ``close()``.
    public var events: KafkaConsumerEvents { KafkaConsumerEvents(client: client, context: context) }

    /// Joins the group and subscribes to `topics`; assignments arrive as ``KafkaConsumerEvent/partitionsAssigned(_:)``.
    public func subscribe(topics: [String]) throws {
        guard configuration.groupID != nil else {
            throw KafkaError.invalidArgument("subscribe needs a consumer group; this consumer has none")
        }
        try RdKafkaTopicPartitionList.with(topics.map { KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) }) { list in
            try KafkaError.check(rd_kafka_subscribe(client.handle, list), "subscribe to \(topics)")
        }
    }

    /// Reads exactly these partitions from these offsets, outside any group rebalancing; replaces a previous
    /// assignment. Use it on a consumer without a group, e.g. to read a partition from the beginning.
    public func assign(_ partitions: [KafkaTopicPartition: KafkaOffset]) throws {
        let sorted = partitions.sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }
        try RdKafkaTopicPartitionList.with(sorted.map { ($0.key, $0.value) }) { list in
            try KafkaError.check(rd_kafka_assign(client.handle, list), "assign \(sorted.map(\.key))")
        }
    }

    /// Marks `message` as processed: its successor's offset is what the next commit stores for its partition.
    public func storeOffset(of message: KafkaMessage) throws {
        try storeOffsets([message.topicPartition: message.offset + 1])
    }

    /// Stores, per partition, the offset of the next record to process.
    public func storeOffsets(_ offsets: [KafkaTopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        try RdKafkaTopicPartitionList.with(offsets.map { ($0.key, KafkaOffset.exact($0.value)) }) { list in
            try KafkaError.check(rd_kafka_offsets_store(client.handle, list), "store offsets")
            for element in RdKafkaTopicPartitionList.elements(of: list) where element.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(element.error, message: "store offset for \(element.partition): \(KafkaError.Code(element.error).name)")
            }
        }
    }

    /// Commits the stored offsets and waits up to `timeout` for the broker's answer. A commit nobody answers (its
    /// coordinator died) throws ``KafkaError/Code/timedOut`` then, where librdkafka's synchronous commit would wait
    /// without limit; the offsets stay stored for the next commit.
    public func commit(timeout: Duration = .seconds(10)) async throws {
        try await client.runBlocking { [client] in
            guard let queue = rd_kafka_queue_new(client.handle) else { throw KafkaError(code: .state, message: "commit: no queue") }
            defer { rd_kafka_queue_destroy(queue) }
            let started = rd_kafka_commit_queue(client.handle, nil, queue, nil, nil)
            guard started != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }  // nothing new to commit
            try KafkaError.check(started, "commit")
            let deadline = ContinuousClock.now + timeout
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero, let event = rd_kafka_queue_poll(queue, left.milliseconds) else {
                    throw KafkaError(code: .timedOut, message: "commit: the group coordinator did not answer within \(timeout.milliseconds) ms")
                }
                defer { rd_kafka_event_destroy(event) }
                guard rd_kafka_event_type(event) == RD_KAFKA_EVENT_OFFSET_COMMIT else { continue }
                let error = rd_kafka_event_error(event)
                guard error != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
                try KafkaError.check(error, "commit")
                for element in RdKafkaTopicPartitionList.elements(of: rd_kafka_event_topic_partition_list(event))
                where element.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(element.error, message: "commit \(element.partition): \(KafkaError.Code(element.error).name)")
                }
                return
            }
        }
    }

    /// Starts committing the stored offsets; failures are logged. Does not wait.
    public func commitInBackground() throws {
        try KafkaError.check(rd_kafka_commit(client.handle, nil, 1), "commit")
    }

    /// The group's committed offsets for `partitions` (`nil` where nothing was committed).
    public func committedOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64?] {
        try await client.runBlocking { [client] in
            try RdKafkaTopicPartitionList.with(partitions) { list in
                try KafkaError.check(rd_kafka_committed(client.handle, list, timeout.milliseconds), "committed offsets")
                var result: [KafkaTopicPartition: Int64?] = [:]
                for element in RdKafkaTopicPartitionList.elements(of: list) {
                    result[element.partition] = element.offset >= 0 ? element.offset : nil
                }
                return result
            }
        }
    }

    /// For each partition, the offset of its first record with a timestamp at or after `milliseconds` (since the
    /// Unix epoch), or `nil` when the broker names none: no such record, or a broker that cannot look offsets up by
    /// time (librdkafka's mock cluster). Callers that must not miss a record read from the beginning on `nil`.
    public func offsets(
        at milliseconds: Int64, of partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)
    ) async throws -> [KafkaTopicPartition: Int64?] {
        try await client.runBlocking { [client] in
            try RdKafkaTopicPartitionList.with(partitions.map { ($0, KafkaOffset(rawValue: milliseconds)) }) { list in
                try KafkaError.check(rd_kafka_offsets_for_times(client.handle, list, timeout.milliseconds), "offsets for times")
                var result: [KafkaTopicPartition: Int64?] = [:]
                for element in RdKafkaTopicPartitionList.elements(of: list) {
                    result[element.partition] = element.error == RD_KAFKA_RESP_ERR_NO_ERROR && element.offset >= 0 ? element.offset : nil
                }
                return result
            }
        }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check(rd_kafka_assignment(client.handle, &list), "assignment")
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return RdKafkaTopicPartitionList.partitions(of: list)
    }

    /// Stops fetching from `partitions` until ``resume(_:)``; the consumer stays in the group.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        try RdKafkaTopicPartitionList.with(partitions) { list in
            try KafkaError.check(rd_kafka_pause_partitions(client.handle, list), "pause \(partitions)")
        }
    }

    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        try RdKafkaTopicPartitionList.with(partitions) { list in
            try KafkaError.check(rd_kafka_resume_partitions(client.handle, list), "resume \(partitions)")
        }
    }

    /// Moves the fetch position of assigned partitions; records already buffered from before the seek may still
    /// be delivered.
    public func seek(_ positions: [KafkaTopicPartition: KafkaOffset], timeout: Duration = .seconds(10)) async throws {
        try await client.runBlocking { [client] in
            try RdKafkaTopicPartitionList.with(positions.map { ($0.key, $0.value) }) { list in
                try KafkaError.check(rd_kafka_seek_partitions(client.handle, list, timeout.milliseconds))
                for element in RdKafkaTopicPartitionList.elements(of: list) where element.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(element.error, message: "seek \(element.partition): \(KafkaError.Code(element.error).name)")
                }
            }
        }
    }

    /// The partition's low and high watermark (the next offset to be written), asked of its leader.
    public func queryWatermarks(_ partition: KafkaTopicPartition, timeout: Duration = .seconds(10)) async throws -> (low: Int64, high: Int64) {
        try await client.queryWatermarks(partition, timeout: timeout)
    }

    /// The partition count of each of `topics` that exists, without ever creating one (one metadata request).
    public func partitionCounts(of topics: Set<String>, timeout: Duration = .seconds(10)) async throws -> [String: Int] {
        try await client.partitionCounts(of: topics, timeout: timeout)
    }

    /// The partition count of `topic`, without ever creating it; a missing topic throws
    /// ``KafkaError/Code/unknownTopicOrPartition``.
    public func partitionCount(topic: String, timeout: Duration = .seconds(10)) async throws -> Int {
        try await client.partitionCount(topic: topic, timeout: timeout)
    }

    /// Leaves the group (after committing stored offsets when auto-commit is on), ends ``events`` and stops
    /// fetching. The final revoke is delivered to ``events`` but not waited for: finish processing before closing.
    /// A broker that does not answer within `timeout` is given up on: the consumer stops without having left the
    /// group or committed (the group notices after `session.timeout.ms`; the next owner of its partitions starts
    /// from the last committed offsets). Calling it again waits for the first call.
    public func close(timeout: Duration = .seconds(30)) async {
        await closing.run { [client, context] in
            context.polling.withLock { _ in context.closing.store(true, ordering: .releasing) }
            context.wake()
            try? await client.runBlocking {
                context.applyPendingRevoke(client: client.handle, force: true)
                if !client.closeConsumer(within: timeout, serve: { context.serveWhileClosing(client: client.handle, event: $0) }) {
                    context.logger.warning("consumer close gave up: the broker did not answer in time; the group notices this member left after session.timeout.ms, and offsets not committed are processed again by the partitions' next owner", metadata: [
                        "timeoutMilliseconds": "\(timeout.milliseconds)",
                    ])
                }
            }
            context.state.withLock { $0.closed = true }
            context.stopKeepAlive()
            context.wake()
        }
    }
}

/// The events of a ``KafkaConsumer``. Single-consumer: iterate it from one task at a time.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent
    let client: RdKafkaClient
    let context: ConsumerContext

    public func makeAsyncIterator() -> Iterator { Iterator(client: client, context: context) }

    public struct Iterator: AsyncIteratorProtocol {
        let client: RdKafkaClient
        let context: ConsumerContext
        /// Events drained from librdkafka and not yet returned.
        private var batch: [KafkaConsumerEvent] = []
        private var index = 0

        init(client: RdKafkaClient, context: ConsumerContext) {
            self.client = client
            self.context = context
            batch.reserveCapacity(ConsumerContext.batchSize)
        }

        /// The events available now, in order: at least one (waiting for it if need be), at most `maximum`; empty once
        /// the consumer closed or the iterating task was cancelled. A ``KafkaConsumerEvent/partitionsRevoked(_:lost:)``
        /// is always the last of its batch; asking for the next batch acknowledges it.
        public mutating func nextBatch(maximum: Int = 256) async -> ArraySlice<KafkaConsumerEvent> {
            if index == batch.count {
                batch.removeAll(keepingCapacity: true)
                index = 0
                guard let queue = client.consumerQueue,
                      await context.nextEvents(client: client.handle, queue: queue, into: &batch)
                else { return [] }
            }
            let end = Swift.min(batch.count, index + Swift.max(1, maximum))
            defer { index = end }
            return batch[index..<end]
        }

        /// The next event; `nil` once the consumer closed or the iterating task was cancelled.
        /// Asking for the next event acknowledges a ``KafkaConsumerEvent/partitionsRevoked(_:lost:)`` returned before.
        public mutating func next() async -> KafkaConsumerEvent? {
            if index == batch.count {
                batch.removeAll(keepingCapacity: true)
                index = 0
                guard let queue = client.consumerQueue,
                      await context.nextEvents(client: client.handle, queue: queue, into: &batch)
                else { return nil }
            }
            defer { index += 1 }
            return batch[index]
        }
    }
}
