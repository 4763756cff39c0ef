import CRdKafka
import Logging
import Synchronization

/// The producer's callback state: delivery reports, and tasks waiting for room in librdkafka's queue.
///
/// `@unchecked Sendable`: immutable configuration plus `Mutex`/`Atomic` state.
final class ProducerContext: RdKafkaClientContext, @unchecked Sendable {
    private let onDeliveryFailure: (@Sendable (KafkaError, KafkaTopicPartition) -> Void)?
    /// Bumped each time delivery reports were served; lets a waiter detect room freed before it registered.
    private let deliveryGeneration = Atomic<UInt64>(0)
    private let spaceWaiters = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let roundHandler = Mutex<RoundHandler?>(nil)
    let failedDeliveries = Atomic<Int>(0)

    init(configuration: KafkaProducerConfiguration, logger: Logger) {
        self.onDeliveryFailure = configuration.onDeliveryFailure
        super.init(logger: logger, onStatistics: configuration.client.onStatistics)
    }

    override func installCallbacks(on conf: OpaquePointer) {
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            // The client holds the context for its whole life: no retain and release per report.
            Unmanaged<ProducerContext>.fromOpaque(opaque)._withUnsafeGuaranteedRef { $0.delivered(message.pointee) }
        }
    }

    private func delivered(_ message: rd_kafka_message_t) {
        if let promise = message._private {
            Unmanaged<DeliveryPromise>.fromOpaque(promise).takeRetainedValue().complete(message)
        } else if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            failedDeliveries.add(1, ordering: .relaxed)
            let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            let partition = KafkaTopicPartition(topic: topic, partition: message.partition)
            let error = KafkaError(message.err)
            if let onDeliveryFailure {
                onDeliveryFailure(error, partition)
            } else {
                logger.error("Kafka delivery failed", metadata: ["kafka.partition": "\(partition)", "kafka.error": "\(error)"])
            }
        }
    }

    var currentGeneration: UInt64 { deliveryGeneration.load(ordering: .acquiring) }

    /// See ``KafkaProducer/afterEachDeliveryRound(_:)``.
    func setRoundHandler(_ handler: @escaping @Sendable () -> Void) {
        roundHandler.withLock { $0 = RoundHandler(run: handler) }
    }

    /// The handler in a struct, not a bare closure: a function value kept as a generic container's value (the
    /// `Mutex`'s) and accessed through its `inout` was wrapped in another reabstraction thunk at every access. The
    /// handler, read once per round, grew slower round after round, and a worker's stack overflowed releasing it
    /// after ten minutes of load.
    private struct RoundHandler {
        let run: @Sendable () -> Void
    }

    /// Called by the thread that served delivery reports, after serving them: runs the round handler and wakes
    /// every task waiting for queue space.
    func deliveriesServed() {
        roundHandler.withLock { $0 }?.run()
        deliveryGeneration.add(1, ordering: .releasing)
        let waiters = spaceWaiters.withLock { $0.removeAllAndReturn() }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until delivery reports were served after `generation` was read (returns at once if they were).
    func waitForQueueSpace(after generation: UInt64) async {
        await withCheckedContinuation { continuation in
            let alreadyFreed = spaceWaiters.withLock { waiters in
                if deliveryGeneration.load(ordering: .acquiring) != generation { return true }
                waiters.append(continuation)
                return false
            }
            if alreadyFreed { continuation.resume() }
        }
    }
}

/// What to do with one record's delivery report, passed to librdkafka as the message opaque.
/// Retained once when produced; the delivery report releases it.
final class DeliveryPromise: Sendable {
    private let completion: @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void
    private let topic: String

    init(topic: String, completion: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) {
        self.completion = completion
        self.topic = topic
    }

    func complete(_ message: rd_kafka_message_t) {
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            completion(.success(KafkaDeliveryReport(topic: topic, partition: message.partition, offset: message.offset)))
        } else {
            completion(.failure(KafkaError(message.err)))
        }
    }
}
