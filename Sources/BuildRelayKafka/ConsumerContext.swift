import CRdKafka
import Foundation
import Logging
import Synchronization

/// The consumer's poll-thread state and rebalance handling.
///
/// `pending`, `topicNames` and the rebalance callback are only touched on the poll thread (librdkafka calls the
/// rebalance callback from inside `rd_kafka_consumer_poll`/`rd_kafka_consumer_close`, which only that thread
/// calls). `@unchecked Sendable` on that basis; `closing` is atomic.
final class ConsumerContext: RdKafkaClientContext, @unchecked Sendable {
    let buffer: ConsumerEventBuffer
    let maximumBatchSize: Int
    /// Set before `rd_kafka_consumer_close`: the final revoke is reported but not waited for.
    let closing = Atomic<Bool>(false)
    private var pending: [KafkaConsumerEvent] = []
    private var topicNames: [OpaquePointer: String] = [:]

    init(configuration: KafkaConsumerConfiguration, logger: Logger) {
        self.buffer = ConsumerEventBuffer(capacity: configuration.maximumBufferedEvents)
        self.maximumBatchSize = max(1, configuration.maximumBatchSize)
        super.init(logger: logger, onStatistics: configuration.client.onStatistics)
        pending.reserveCapacity(maximumBatchSize)
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

    // MARK: Poll loop

    /// One turn of the poll loop: waits up to `timeout` for a first event, then drains what is ready without
    /// waiting, up to a batch, and hands the batch to the application.
    func pollBatch(client: OpaquePointer, timeout: Int32) {
        guard buffer.waitForCapacity() else {
            // Nobody reads any more: keep serving the group (rebalances, heartbeats) and drop records.
            if let message = rd_kafka_consumer_poll(client, timeout) { rd_kafka_message_destroy(message) }
            return
        }
        var wait = timeout
        while pending.count < maximumBatchSize, let message = rd_kafka_consumer_poll(client, wait) {
            wait = 0
            convert(message)
            rd_kafka_message_destroy(message)
        }
        flushPending()
    }

    private func flushPending() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        buffer.append(batch)
    }

    private func convert(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>) {
        let message = pointer.pointee
        let topic = topicName(message.rkt)
        guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                pending.append(.endOfPartition(KafkaTopicPartition(topic: topic, partition: message.partition), offset: message.offset))
            } else {
                let text = rd_kafka_message_errstr(pointer).map { String(cString: $0) }
                pending.append(.error(KafkaError(message.err, message: text)))
            }
            return
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer?
        if rd_kafka_message_headers(pointer, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
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
        pending.append(.message(KafkaMessage(
            topic: topic, partition: message.partition, offset: message.offset,
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
            timestampKind: timestampType == RD_KAFKA_TIMESTAMP_CREATE_TIME ? .createTime
                : timestampType == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? .logAppendTime : .notAvailable,
            key: message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) },
            value: message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) },
            headers: headers)))
    }

    /// Topic names by handle, so a record does not allocate its topic's name.
    private func topicName(_ topic: OpaquePointer?) -> String {
        guard let topic else { return "" }
        let cName = rd_kafka_topic_name(topic)!
        if let name = topicNames[topic], name.utf8.elementsEqual(UnsafeBufferPointer(start: cName, count: strlen(cName)).lazy.map { UInt8(bitPattern: $0) }) {
            return name
        }
        let name = String(cString: cName)
        topicNames[topic] = name
        return name
    }

    // MARK: Rebalance

    private func rebalance(client: OpaquePointer, error: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(client)) == "COOPERATIVE"
        let list = RdKafkaTopicPartitionList.partitions(of: partitions)
        flushPending()  // records fetched before the rebalance reach the application before it
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
            buffer.append([.partitionsAssigned(list)])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(client) != 0
            logger.info("partitions revoked", metadata: ["kafka.partitions": "\(list.map(\.description))", "kafka.lost": "\(lost)"])
            if closing.load(ordering: .acquiring) {
                buffer.append([.partitionsRevoked(list, lost: lost)])
            } else {
                buffer.appendBarrierAndWait(.partitionsRevoked(list, lost: lost))
            }
            let failure = cooperative
                ? rd_kafka_incremental_unassign(client, partitions).map { KafkaError(consuming: $0) }
                : KafkaError.nonZero(rd_kafka_assign(client, nil))
            if let failure { logger.error("cannot unassign partitions", metadata: ["kafka.error": "\(failure)"]) }
        default:
            logger.error("rebalance failed", metadata: ["kafka.error": "\(KafkaError.Code(error).name)"])
            if cooperative {
                if let failure = rd_kafka_incremental_unassign(client, partitions) { rd_kafka_error_destroy(failure) }
            } else {
                rd_kafka_assign(client, nil)
            }
        }
    }
}

extension KafkaError {
    static func nonZero(_ error: rd_kafka_resp_err_t) -> KafkaError? {
        error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(error)
    }
}
