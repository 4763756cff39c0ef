import Foundation

/// The hand-over between a consumer's poll thread (producer of events) and the one task iterating
/// ``KafkaConsumer/events`` (consumer of events).
///
/// - The poll thread appends whole batches and blocks (its own thread, never the cooperative pool) while the
///   buffer is at capacity.
/// - A *barrier* event (a revoke) is appended alone after everything before it, and the poll thread blocks until
///   the application has taken it and asked for the next event, or until the buffer is released.
/// - The iterating task takes everything buffered in one lock acquisition and suspends only when the buffer is
///   empty: one wake-up per batch, never a task per record.
///
/// `@unchecked Sendable`: every mutable property is guarded by `condition`.
final class ConsumerEventBuffer: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var events: [KafkaConsumerEvent] = []
    private var waiter: CheckedContinuation<[KafkaConsumerEvent], Never>?
    /// A barrier is in `events` or with the application, not yet acknowledged.
    private var barrierPending = false
    /// The batch last taken by the application ended with the pending barrier.
    private var barrierTaken = false
    /// No more events will be appended; the iterator ends once `events` is drained.
    private var finished = false
    /// Nobody waits for barriers or capacity any more (closing, or the iterating task went away).
    private var released = false

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    // MARK: Poll thread

    /// Blocks while the buffer is full. Returns `false` once released (the caller should not buffer more).
    func waitForCapacity() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while events.count >= capacity && !released {
            condition.wait()
        }
        return !released
    }

    func append(_ batch: [KafkaConsumerEvent]) {
        guard !batch.isEmpty else { return }
        condition.lock()
        if finished {  // nobody will read it: the records are redelivered, their offsets were never stored
            condition.unlock()
            return
        }
        events.append(contentsOf: batch)
        let waiter = takeWaiterLocked()
        condition.unlock()
        waiter?.continuation.resume(returning: waiter!.events)
    }

    /// Appends `event` and blocks until the application asked for the event after it (or the buffer is released).
    func appendBarrierAndWait(_ event: KafkaConsumerEvent) {
        condition.lock()
        guard !released else {
            events.append(event)
            let waiter = takeWaiterLocked()
            condition.unlock()
            waiter?.continuation.resume(returning: waiter!.events)
            return
        }
        events.append(event)
        barrierPending = true
        barrierTaken = false
        let waiter = takeWaiterLocked()
        condition.unlock()
        waiter?.continuation.resume(returning: waiter!.events)

        condition.lock()
        while barrierPending && !released {
            condition.wait()
        }
        barrierPending = false
        condition.unlock()
    }

    /// Stops every blocking wait; later barriers are not waited for.
    func release() {
        condition.lock()
        released = true
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the event sequence after what is buffered.
    func finish() {
        condition.lock()
        finished = true
        released = true
        condition.broadcast()
        let waiter = self.waiter
        self.waiter = nil
        let remaining = events.removeAllAndReturn()
        condition.unlock()
        waiter?.resume(returning: remaining)
    }

    /// Hands the buffered events to a suspended application task, if there is one and something to hand over.
    private func takeWaiterLocked() -> (continuation: CheckedContinuation<[KafkaConsumerEvent], Never>, events: [KafkaConsumerEvent])? {
        guard let waiter, !events.isEmpty else { return nil }
        self.waiter = nil
        return (waiter, takeLocked())
    }

    private func takeLocked() -> [KafkaConsumerEvent] {
        let batch = events.removeAllAndReturn()
        if barrierPending { barrierTaken = true }
        condition.broadcast()  // capacity freed
        return batch
    }

    // MARK: Application task

    /// The next batch of events, waiting for one if none is buffered. An empty batch means the sequence ended.
    ///
    /// Calling this acknowledges every event returned before, including a pending barrier.
    func next() async -> [KafkaConsumerEvent] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                condition.lock()
                if barrierTaken {
                    barrierTaken = false
                    barrierPending = false
                    condition.broadcast()
                }
                if !events.isEmpty || finished || Task.isCancelled {
                    let batch = takeLocked()
                    condition.unlock()
                    continuation.resume(returning: batch)
                } else {
                    waiter = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            condition.lock()
            released = true
            finished = true
            condition.broadcast()
            let waiter = self.waiter
            self.waiter = nil
            condition.unlock()
            waiter?.resume(returning: [])
        }
    }
}
