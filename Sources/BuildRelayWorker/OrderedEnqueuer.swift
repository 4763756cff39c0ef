import BuildRelayKafka
import Synchronization

/// Hands records to a producer without ever waiting, in the order they are given: when librdkafka's queue is
/// full, the record and every later one wait in a local list that ``run()`` drains as room appears.
///
/// Completions run in rounds: after one or more of them, on the same thread, the handler registered with
/// ``afterEachCompletionRound(_:)`` runs (delivery reports come in the producer's rounds; a completion this type
/// runs itself, for a record that could not be enqueued, is a round of its own).
final class OrderedEnqueuer: Sendable {
    typealias Completion = @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    private struct State {
        var waiting: [(record: KafkaProducerRecord, completion: Completion)] = []
        var head = 0
        var draining = false
        /// A member of this struct rather than a `Mutex` of its own: as a generic container's whole value, a closure
        /// gains a reabstraction thunk at every access through the container's `inout`.
        var roundHandler: (@Sendable () -> Void)?
    }

    private let producer: KafkaProducer
    private let state = Mutex(State())
    /// Asks ``run()`` to drain the waiting list.
    private let drainRequests = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    init(producer: KafkaProducer) {
        self.producer = producer
    }

    func afterEachCompletionRound(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.roundHandler = handler }
        producer.afterEachDeliveryRound(handler)
    }

    func enqueue(_ record: KafkaProducerRecord, completion: @escaping Completion) {
        let direct = state.withLock { state in
            guard state.draining else { return true }
            state.waiting.append((record, completion))
            return false
        }
        guard direct else { return }
        do throws(KafkaError) {
            try producer.tryEnqueue(record, onDelivery: completion)
        } catch {
            guard error.code == .queueFull else { return complete(completion, with: error) }
            let startDrain = state.withLock { state in
                state.waiting.append((record, completion))
                defer { state.draining = true }
                return !state.draining
            }
            if startDrain { drainRequests.continuation.yield() }
        }
    }

    /// Drains the waiting list whenever the producer's queue was found full, until ``finish()`` or cancellation.
    /// Records enqueued meanwhile wait for it, so it must run while records are enqueued.
    func run() async {
        for await _ in drainRequests.stream { await drain() }
    }

    /// Ends ``run()`` once its current drain is done.
    func finish() {
        drainRequests.continuation.finish()
    }

    private func drain() async {
        while let (record, completion) = state.withLock({ state -> (KafkaProducerRecord, Completion)? in
            guard state.head < state.waiting.count else {
                state.waiting.removeAll()
                state.head = 0
                state.draining = false
                return nil
            }
            defer { state.head += 1 }
            return state.waiting[state.head]
        }) {
            do {
                try await producer.enqueue(record, onDelivery: completion)
            } catch let error as KafkaError {
                complete(completion, with: error)
            } catch {
                complete(completion, with: KafkaError(code: .fatal, message: "\(error)"))
            }
        }
    }

    private func complete(_ completion: Completion, with error: KafkaError) {
        completion(.failure(error))
        state.withLock { $0.roundHandler }?()
    }
}
