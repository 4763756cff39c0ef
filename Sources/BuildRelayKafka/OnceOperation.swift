import Synchronization

/// Runs an async operation at most once; later callers wait for the first run to finish.
final class OnceOperation: Sendable {
    private enum State {
        case idle
        case running([CheckedContinuation<Void, Never>])
        case finished
    }

    private let state = Mutex(State.idle)

    func run(_ operation: @Sendable () async -> Void) async {
        let isFirst = state.withLock { state in
            guard case .idle = state else { return false }
            state = .running([])
            return true
        }
        guard isFirst else {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state in
                    switch state {
                    case .running(var waiters):
                        waiters.append(continuation)
                        state = .running(waiters)
                        return false
                    case .idle, .finished:
                        return true
                    }
                }
                if done { continuation.resume() }
            }
            return
        }
        await operation()
        let waiters = state.withLock { state in
            defer { state = .finished }
            if case .running(let waiters) = state { return waiters }
            return []
        }
        for waiter in waiters { waiter.resume() }
    }
}
