import Synchronization

/// Tasks waiting for a condition on the engine's state: a revoke for its partitions' calls and records to finish,
/// a graceful shutdown for local builds to end. The engine checks the conditions under its lock after every change
/// of state, so a waiter resumes as soon as its condition holds, without polling.
final class StateWaiters: Sendable {
    typealias Condition = @Sendable (WorkerEngineState) -> Bool

    private struct Waiter {
        let condition: Condition
        let continuation: CheckedContinuation<Void, Never>
    }

    private let waiters = Mutex<[Int: Waiter]>([:])
    private let nextID = Atomic<Int>(0)
    /// Some task waits: lets the engine skip this lock on every change otherwise.
    private let armed = Atomic<Bool>(false)

    /// For the engine, with its lock held, after a change: removes the waiters whose condition now holds and returns
    /// their continuations, to be resumed once the engine's lock is released.
    func satisfied(by state: WorkerEngineState) -> [CheckedContinuation<Void, Never>] {
        guard armed.load(ordering: .acquiring) else { return [] }
        return waiters.withLock { waiters in
            var ready: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in waiters where waiter.condition(state) {
                ready.append(waiter.continuation)
                waiters[id] = nil
            }
            armed.store(!waiters.isEmpty, ordering: .releasing)
            return ready
        }
    }

    /// Suspends until a change of state satisfies `condition`, or the calling task is cancelled. `holdsNow` looks
    /// at the current state once the waiter is registered, so a change just before is not missed.
    func wait(for condition: @escaping Condition, holdsNow: () -> Bool) async {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters.withLock { waiters in
                    waiters[id] = Waiter(condition: condition, continuation: continuation)
                    armed.store(true, ordering: .releasing)
                }
                if holdsNow() || Task.isCancelled { resume(id) }
            }
        } onCancel: {
            resume(id)
        }
    }

    private func resume(_ id: Int) {
        waiters.withLock { $0.removeValue(forKey: id) }?.continuation.resume()
    }
}
