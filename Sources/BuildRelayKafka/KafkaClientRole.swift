/// Whether a librdkafka handle produces or consumes, and which properties belong to the other role only.
///
/// One property map can then configure both a worker's producer and its consumer without librdkafka warning
/// about every property the handle ignores (`CONFWARN`). Lists from librdkafka 2.0.2's CONFIGURATION.md.
enum KafkaClientRole {
    case producer
    case consumer

    /// Properties this role's handle ignores.
    var foreignProperties: Set<String> {
        switch self {
        case .producer: Self.consumerOnly
        case .consumer: Self.producerOnly
        }
    }

    private static let consumerOnly: Set<String> = [
        "group.id", "group.instance.id", "partition.assignment.strategy", "session.timeout.ms", "heartbeat.interval.ms",
        "group.protocol.type", "coordinator.query.interval.ms", "max.poll.interval.ms", "enable.auto.commit",
        "auto.commit.interval.ms", "enable.auto.offset.store", "queued.min.messages", "queued.max.messages.kbytes",
        "fetch.wait.max.ms", "fetch.message.max.bytes", "max.partition.fetch.bytes", "fetch.max.bytes", "fetch.min.bytes",
        "fetch.error.backoff.ms", "offset.store.method", "isolation.level", "enable.partition.eof", "check.crcs",
        "allow.auto.create.topics", "auto.offset.reset", "consume.callback.max.messages",
    ]

    private static let producerOnly: Set<String> = [
        "transactional.id", "transaction.timeout.ms", "enable.idempotence", "enable.gapless.guarantee",
        "queue.buffering.max.messages", "queue.buffering.max.kbytes", "queue.buffering.max.ms", "linger.ms",
        "message.send.max.retries", "retries", "retry.backoff.ms", "queue.buffering.backpressure.threshold",
        "compression.codec", "compression.type", "compression.level", "batch.num.messages", "batch.size",
        "delivery.report.only.error", "sticky.partitioning.linger.ms", "request.required.acks", "acks",
        "request.timeout.ms", "message.timeout.ms", "delivery.timeout.ms", "partitioner",
    ]
}
