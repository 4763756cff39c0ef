import DequeModule
import Synchronization

/// A first-in first-out hand-over from synchronous code to a fixed set of tasks: ``put(_:)`` never waits,
/// ``take()`` waits for an item, and returns `nil` once the queue is closed and empty.
final class WorkQueue<Item: Sendable>: Sendable {
    private struct State {
        /// A ring buffer: a steady backlog reuses its storage. (An array consumed from a moving head kept growing
        /// for as long as a backlog lasted; under the drain benchmark's, copying it as it doubled and faulting in
        /// its new pages took 4% of the worker's CPU.)
        var items = Deque<Item>()
        var takers: [CheckedContinuation<Item?, Never>] = []
        var closed = false
    }

    private let state = Mutex(State())

    init() {}

    func put(_ item: Item) {
        let taker: CheckedContinuation<Item?, Never>? = state.withLock { state in
            guard !state.closed else { return nil }
            if !state.takers.isEmpty { return state.takers.removeFirst() }
            state.items.append(item)
            return nil
        }
        taker?.resume(returning: item)
    }

    func take() async -> Item? {
        // Without a continuation while items are queued, as they are under load: making one allocates.
        if let item = state.withLock({ $0.items.popFirst() }) { return item }
        return await withCheckedContinuation { continuation in
            let item: Item?? = state.withLock { state in
                if let item = state.items.popFirst() { return .some(item) }
                if state.closed { return .some(nil) }
                state.takers.append(continuation)
                return .none
            }
            if let item { continuation.resume(returning: item) }
        }
    }

    /// Items already queued are still taken; then every ``take()`` returns `nil`.
    func close() {
        let takers = state.withLock { state in
            state.closed = true
            defer { state.takers = [] }
            return state.takers
        }
        for taker in takers { taker.resume(returning: nil) }
    }
}
