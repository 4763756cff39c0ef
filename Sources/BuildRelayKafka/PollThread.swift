import Foundation
import Synchronization

/// A dedicated OS thread that runs a client's librdkafka poll loop, so that blocking polls never occupy
/// Swift's cooperative pool.
///
/// The loop runs until ``requestStop()``; ``join()`` returns once the loop body returned and everything it
/// captured (in particular the last reference to an ``RdKafkaClient``, whose `deinit` destroys the handle) was
/// released on that thread.
final class PollThread: Sendable {
    private struct State {
        var finished = false
        var joiners: [CheckedContinuation<Void, Never>] = []
    }

    private let stopFlag = Atomic<Bool>(false)
    private let state = Mutex(State())

    /// Starts `loop` on a new thread. `loop` must return promptly once `isStopRequested` is true.
    init(name: String, loop: @escaping @Sendable (PollThread) -> Void) {
        let thread = Thread { [self] in
            var body: (@Sendable (PollThread) -> Void)? = loop
            body?(self)
            body = nil  // release captures (the client) on this thread, before announcing the end
            let joiners = state.withLock { state in
                state.finished = true
                return state.joiners.removeAllAndReturn()
            }
            for joiner in joiners { joiner.resume() }
        }
        thread.name = name
        thread.start()
    }

    var isStopRequested: Bool { stopFlag.load(ordering: .acquiring) }

    func requestStop() { stopFlag.store(true, ordering: .releasing) }

    func join() async {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state in
                if state.finished { return true }
                state.joiners.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }
}

extension Array {
    mutating func removeAllAndReturn() -> [Element] {
        var taken: [Element] = []
        swap(&taken, &self)
        return taken
    }
}
