import BuildRelayKafka

/// Offers records at a fixed rate: each millisecond, the ones due by then (no burst to catch up beyond that).
enum PacedLoad {
    /// Enqueues `count` records, the n-th made by `record(n)` when it is sent; returns how long it took.
    @discardableResult
    static func offer(
        count: Int, perSecond rate: Int, producer: KafkaProducer, record: (Int) -> KafkaProducerRecord
    ) async throws -> Duration {
        let start = ContinuousClock.now
        var sent = 0
        while sent < count {
            let due = min(count, Int((ContinuousClock.now - start).seconds * Double(rate)) + 1)
            while sent < due {
                try await producer.enqueue(record(sent))
                sent += 1
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        return ContinuousClock.now - start
    }
}
