import BuildRelayCore
import Synchronization

/// Tracks a ``BuildManager``'s `close()`: `close` is idempotent, and every other call after it throws.
final class ClosedState: Sendable {
    private let closed = Atomic<Bool>(false)

    /// Throws ``BuildError/managerClosed`` once the manager is closed.
    func checkOpen() throws {
        if closed.load(ordering: .acquiring) { throw BuildError.managerClosed }
    }

    func close() {
        closed.store(true, ordering: .releasing)
    }

    /// Closes; `true` only for the first call, which releases the manager's resources.
    func closeOnce() -> Bool {
        !closed.exchange(true, ordering: .acquiringAndReleasing)
    }
}
