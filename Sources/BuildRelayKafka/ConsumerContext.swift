import CRdKafka
import Foundation
import Logging
import Synchronization

/// The consumer's shared state: the hand-over between librdkafka's queue and the one task iterating
/// ``KafkaConsumer/events``, and rebalance handling.
///
/// The iterating task drains the consumer queue with non-blocking `rd_kafka_consumer_poll(rk, 0)` calls and parks
/// only when the queue is empty; librdkafka's queue event callback (fired when an empty queue gets an element)
/// wakes it. So records never cross threads inside this module, no task is made per record, and nothing blocks
/// Swift's cooperative pool.
///
/// Rebalances are served inside those polls (or inside `rd_kafka_consumer_close`): an assignment is applied at
/// once and reported; a revocation is reported and applied (unassign) only when the application asks for the
/// next event, so the application finishes with the partitions while it still owns them.
///
/// Two locks, always taken in this order when nested: `polling` (held for one poll, excludes close) then `state`.
/// `@unchecked Sendable`: all mutable state is behind these locks.
final class ConsumerContext: RdKafkaClientContext, @unchecked Sendable {
    /// `@unchecked Sendable`: holds librdkafka handles (as cache keys) that are only used under `polling`.
    struct PollingState: @unchecked Sendable {
        /// Topic names by handle, so a record does not allocate its topic's name; the last one is checked first.
        private var topicNames: [OpaquePointer: String] = [:]
        private var lastTopic: (handle: OpaquePointer, name: String)?

        /// A topic handle's name. The handle's C string is compared with the cached copy, so a reused address is
        /// noticed: librdkafka may free a topic handle, and its name, once nothing refers to it, and hand out both
        /// addresses again, so a cached pointer to a name must never be read, or trusted. (This cache once compared
        /// against such a pointer: a read of freed memory, the likely cause of a rare SIGSEGV.)
        mutating func topicName(_ topic: OpaquePointer?) -> String {
            guard let topic, let cName = rd_kafka_topic_name(topic) else { return "" }
            if let last = lastTopic, last.handle == topic, Self.same(last.name, cName) { return last.name }
            let name: String
            if let cached = topicNames[topic], Self.same(cached, cName) {
                name = cached
            } else {
                name = String(cString: cName)
                topicNames[topic] = name
            }
            lastTopic = (topic, name)
            return name
        }

        private static func same(_ name: String, _ cName: UnsafePointer<CChar>) -> Bool {
            name.withCString { strcmp($0, cName) == 0 }
        }
    }

    /// `@unchecked Sendable`: `pendingRevoke` is a list owned by this state, used only under `state`.
    struct State: @unchecked Sendable {
        /// Events produced by callbacks (rebalances), returned before polling again.
        var callbackEvents: [KafkaConsumerEvent] = []
        /// A revocation reported to the application and not yet applied.
        var pendingRevoke: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        var pendingRevokeIsCooperative = false
        /// The pending revocation's event was handed to the application: the next request for an event applies it.
        var pendingRevokeDelivered = false
        /// The parked application task.
        var waiter: CheckedContinuation<Void, Never>?
        /// `rd_kafka_consumer_close` returned: the event sequence ends after `callbackEvents`.
        var closed = false
    }

    let polling = Mutex(PollingState())
    let state = Mutex(State())
    /// Once set (under `polling`), the application no longer polls: `rd_kafka_consumer_close` owns the handle, and
    /// revocations are applied at once.
    let closing = Atomic<Bool>(false)
    /// Set while `state` has callback events or a revocation to apply: lets the record path skip the `state` lock.
    let hasCallbackWork = Atomic<Bool>(false)
    /// Set while the application task is parked: the queue callback does nothing otherwise. librdkafka calls it on
    /// every empty-to-non-empty transition, under its queue lock, which for a consumer as fast as the fetcher is
    /// nearly every record.
    let parked = Atomic<Bool>(false)

    /// Wakes a parked application task every second, so that it polls librdkafka even when no record arrives:
    /// librdkafka counts the time since the last poll against `max.poll.interval.ms`, and a member that waits
    /// longer (an idle worker, after five minutes by default) is made to leave its group.
    private let keepAlive = DispatchSource.makeTimerSource(queue: .global())
    /// ``KafkaConsumerConfiguration/readsHeaders``.
    private let readsHeaders: Bool

    init(configuration: KafkaConsumerConfiguration, logger: Logger) {
        self.readsHeaders = configuration.readsHeaders
        super.init(logger: logger, onStatistics: configuration.client.onStatistics)
        keepAlive.schedule(deadline: .now() + 1, repeating: 1)
        keepAlive.setEventHandler { [weak self] in self?.queueBecameNonEmpty() }
        keepAlive.activate()
    }

    deinit {
        keepAlive.cancel()
    }

    func stopKeepAlive() {
        keepAlive.cancel()
    }

    override func installCallbacks(on conf: OpaquePointer) {
        rd_kafka_conf_set_rebalance_cb(conf) { client, error, partitions, opaque in
            guard let client, let opaque else { return }
            let context = Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
            context.rebalance(client: client, error: error, partitions: partitions)
        }
        rd_kafka_conf_set_offset_commit_cb(conf) { _, error, offsets, opaque in
            guard let opaque, error != RD_KAFKA_RESP_ERR_NO_ERROR, error != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
            let context = Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
            context.logger.debug("offset commit failed", metadata: [
                "kafka.error": "\(KafkaError.Code(error).name)",
                "kafka.partitions": "\(RdKafkaTopicPartitionList.partitions(of: offsets).map(\.description))",
            ])
        }
    }

    /// Wakes the parked application when the consumer queue gets an element; installed with
    /// `rd_kafka_queue_cb_event_enable`. Runs on librdkafka's threads, under the queue's lock: no librdkafka calls,
    /// and only an atomic load unless the application is parked.
    func queueBecameNonEmpty() {
        guard parked.load(ordering: .acquiring) else { return }
        wake()
    }

    // MARK: Application side

    /// The most records drained from librdkafka per lock hold, and handed to the iterator at once.
    static let batchSize = 256

    /// Appends the next events to `events` (which must be empty); returns `false` once the consumer closed or the
    /// calling task was cancelled.
    ///
    /// Records are drained with non-blocking polls, stopping where a rebalance was served, so events stay in the
    /// order librdkafka produced them. A revocation returned by an earlier call is applied first: asking for more
    /// events is how the application says it is done with the revoked partitions.
    func nextEvents(client: OpaquePointer, queue: OpaquePointer, into events: inout [KafkaConsumerEvent]) async -> Bool {
        while true {
            if hasCallbackWork.load(ordering: .acquiring) {
                applyPendingRevoke(client: client)
                takeCallbackEvents(into: &events)
                if !events.isEmpty { return true }
            }
            if Task.isCancelled { return false }
            let outcome = pollBatch(client: client, into: &events)
            if !events.isEmpty { return true }
            switch outcome {
            case .servedCallback:
                continue
            case .empty, .closing:
                if state.withLock({ $0.closed && $0.callbackEvents.isEmpty }) { return false }
                await park(queue: queue)
            }
        }
    }

    private enum PollOutcome {
        case servedCallback
        case empty
        case closing
    }

    /// Polls up to a batch of records into `events`, stopping early when the queue is empty or a callback produced
    /// an event (which must follow the records polled before it).
    private func pollBatch(client: OpaquePointer, into events: inout [KafkaConsumerEvent]) -> PollOutcome {
        polling.withLock { polling in
            guard !closing.load(ordering: .acquiring) else { return .closing }
            for _ in 0..<Self.batchSize {
                guard let message = rd_kafka_consumer_poll(client, 0) else {
                    return hasCallbackWork.load(ordering: .acquiring) ? .servedCallback : .empty
                }
                events.append(convert(message, polling: &polling))
                rd_kafka_message_destroy(message)
                if hasCallbackWork.load(ordering: .acquiring) { return .servedCallback }
            }
            return .servedCallback
        }
    }

    /// Moves callback events into `events`, up to and including the first revocation (which is then delivered).
    private func takeCallbackEvents(into events: inout [KafkaConsumerEvent]) {
        state.withLock { state in
            while !state.callbackEvents.isEmpty {
                let event = state.callbackEvents.removeFirst()
                events.append(event)
                if case .partitionsRevoked = event, state.pendingRevoke != nil {
                    state.pendingRevokeDelivered = true
                    break
                }
            }
            updateCallbackWork(state)
        }
    }

    /// Keeps `hasCallbackWork` true while a callback event waits or a delivered revocation waits to be applied.
    private func updateCallbackWork(_ state: State) {
        hasCallbackWork.store(!state.callbackEvents.isEmpty || state.pendingRevoke != nil, ordering: .releasing)
    }

    /// Suspends until the queue gets an element, a callback event arrives, the consumer closes, or the task is
    /// cancelled.
    ///
    /// The task announces itself (`parked`) and then looks at the queue once more: an element enqueued before the
    /// announcement was visible fired a callback that did nothing, and this second look catches it. One enqueued
    /// after it sees `parked` (its callback runs under the queue lock this look also takes).
    private func park(queue: OpaquePointer) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.closed || !state.callbackEvents.isEmpty || Task.isCancelled { return true }
                    state.waiter = continuation
                    parked.store(true, ordering: .releasing)
                    return false
                }
                if resumeNow {
                    continuation.resume()
                } else if rd_kafka_queue_length(queue) > 0 {
                    wake()
                }
            }
        } onCancel: {
            wake()
        }
    }

    /// Resumes the parked application task, if any.
    func wake() {
        let waiter = state.withLock { state in
            defer { state.waiter = nil }
            parked.store(false, ordering: .releasing)
            return state.waiter
        }
        waiter?.resume()
    }

    /// Applies a revocation the application has seen and is done with (or, with `force`, any pending one).
    func applyPendingRevoke(client: OpaquePointer, force: Bool = false) {
        let pending = state.withLock { state -> (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, Bool)? in
            guard let list = state.pendingRevoke, state.pendingRevokeDelivered || force else { return nil }
            state.pendingRevoke = nil
            state.pendingRevokeDelivered = false
            updateCallbackWork(state)
            return (list, state.pendingRevokeIsCooperative)
        }
        guard let (list, cooperative) = pending else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        unassign(client: client, partitions: list, cooperative: cooperative)
    }

    // MARK: Records

    private func convert(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>, polling: inout PollingState) -> KafkaConsumerEvent {
        let message = pointer.pointee
        let topic = polling.topicName(message.rkt)
        guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                return .endOfPartition(KafkaTopicPartition(topic: topic, partition: message.partition), offset: message.offset)
            }
            let text = rd_kafka_message_errstr(pointer).map { String(cString: $0) }
            return .error(KafkaError(message.err, message: text))
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer?
        if readsHeaders, rd_kafka_message_headers(pointer, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            let count = rd_kafka_header_cnt(headerList)
            headers.reserveCapacity(count)
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            for index in 0..<count where rd_kafka_header_get_all(headerList, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(
                    name: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            }
        }
        return .message(KafkaMessage(
            topic: topic, partition: message.partition, offset: message.offset,
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
            timestampKind: timestampType == RD_KAFKA_TIMESTAMP_CREATE_TIME ? .createTime
                : timestampType == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? .logAppendTime : .notAvailable,
            key: message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) },
            value: message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) },
            headers: headers))
    }

    // MARK: Rebalance

    /// Called inside `rd_kafka_consumer_poll` (the application's task) or `rd_kafka_consumer_close`.
    ///
    /// Inside a poll it ends with `rd_kafka_yield`, so that poll returns no record: librdkafka would otherwise go on
    /// serving its queue, and a record fetched for a just-assigned partition while this callback ran (a slow log
    /// write is enough) would be returned by the same poll and reach the application before the assignment event
    /// (found by the graceful-shutdown chaos scenario under load: the engine ignored the record, then stored the
    /// offsets of the next ones, and the command was lost).
    private func rebalance(client: OpaquePointer, error: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        defer { if !closing.load(ordering: .acquiring) { rd_kafka_yield(client) } }
        // NULL when the consumer is in no group at the moment, as during a close after its coordinator was
        // unreachable (found by the broker-faults chaos scenario): then there is nothing to do incrementally.
        let cooperative = rd_kafka_rebalance_protocol(client).map { String(cString: $0) == "COOPERATIVE" } ?? false
        let list = RdKafkaTopicPartitionList.partitions(of: partitions)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let failure = cooperative
                ? rd_kafka_incremental_assign(client, partitions).map { KafkaError(consuming: $0) }
                : KafkaError.nonZero(rd_kafka_assign(client, partitions))
            if let failure {
                logger.error("cannot assign partitions", metadata: ["kafka.error": "\(failure)"])
                return
            }
            logger.info("partitions assigned", metadata: ["kafka.partitions": "\(list.map(\.description))"])
            state.withLock { state in
                state.callbackEvents.append(.partitionsAssigned(list))
                updateCallbackWork(state)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(client) != 0
            logger.info("partitions revoked", metadata: ["kafka.partitions": "\(list.map(\.description))", "kafka.lost": "\(lost)"])
            if closing.load(ordering: .acquiring) {
                unassign(client: client, partitions: partitions, cooperative: cooperative)
                state.withLock { state in
                    state.callbackEvents.append(.partitionsRevoked(list, lost: lost))
                    updateCallbackWork(state)
                }
            } else {
                let copy = partitions.map { rd_kafka_topic_partition_list_copy($0) } ?? rd_kafka_topic_partition_list_new(0)
                state.withLock { state in
                    state.callbackEvents.append(.partitionsRevoked(list, lost: lost))
                    if let stale = state.pendingRevoke { rd_kafka_topic_partition_list_destroy(stale) }
                    state.pendingRevoke = copy
                    state.pendingRevokeIsCooperative = cooperative
                    state.pendingRevokeDelivered = false
                    updateCallbackWork(state)
                }
            }
        default:
            logger.error("rebalance failed", metadata: ["kafka.error": "\(KafkaError.Code(error).name)"])
            unassign(client: client, partitions: partitions, cooperative: cooperative)
        }
    }

    /// Serves an event of a closing consumer's group (``RdKafkaClient/closeConsumer(within:serve:)``): a rebalance
    /// is applied as its callback would be; records fetched meanwhile are dropped (never processed, so their offsets
    /// were never stored).
    func serveWhileClosing(client: OpaquePointer, event: OpaquePointer) {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_REBALANCE:
            rebalance(client: client, error: rd_kafka_event_error(event), partitions: rd_kafka_event_topic_partition_list(event))
        case RD_KAFKA_EVENT_ERROR:
            logger.debug("Kafka client error while closing", metadata: [
                "kafka.error": "\(KafkaError.Code(rd_kafka_event_error(event)).name)",
                "kafka.reason": "\(String(cString: rd_kafka_event_error_string(event)))",
            ])
        default:
            break
        }
    }

    private func unassign(client: OpaquePointer, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, cooperative: Bool) {
        let failure = cooperative
            ? rd_kafka_incremental_unassign(client, partitions).map { KafkaError(consuming: $0) }
            : KafkaError.nonZero(rd_kafka_assign(client, nil))
        if let failure { logger.error("cannot unassign partitions", metadata: ["kafka.error": "\(failure)"]) }
    }
}

extension KafkaError {
    static func nonZero(_ error: rd_kafka_resp_err_t) -> KafkaError? {
        error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(error)
    }
}
