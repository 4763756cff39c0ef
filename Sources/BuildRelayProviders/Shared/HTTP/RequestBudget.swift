import Synchronization

/// A queue's provider request budget (`maxRequestsPerMinute`), shared by all its calls, plus the pauses the vendor
/// announces (`Retry-After`, a rate-limit header at zero). ``acquire()`` waits for the next request's turn.
///
/// Requests are spaced evenly, with a burst of up to a tenth of a minute's budget after a quiet spell, so polling
/// many builds never bunches into the vendor's per-minute window.
final class RequestBudget: Sendable {
    private struct State {
        /// When the next request may start.
        var nextSlot: ContinuousClock.Instant
        /// No request before this (announced by the vendor).
        var pausedUntil: ContinuousClock.Instant
    }

    private let interval: Duration
    private let burst: Duration
    private let state: Mutex<State>

    /// `nil`: no budget of our own, only the vendor's pauses.
    init(requestsPerMinute: Int?) {
        if let requestsPerMinute, requestsPerMinute > 0 {
            interval = .seconds(60) / requestsPerMinute
            burst = interval * max(1, requestsPerMinute / 10)
        } else {
            interval = .zero
            burst = .zero
        }
        let now = ContinuousClock.now
        state = Mutex(State(nextSlot: now, pausedUntil: now))
    }

    /// Waits until a request may start, and books its slot.
    func acquire() async throws {
        let now = ContinuousClock.now
        let start = state.withLock { state in
            let slot = max(state.nextSlot, state.pausedUntil, now - burst)
            state.nextSlot = slot + interval
            return max(slot, now)
        }
        if start > now { try await Task.sleep(until: start, clock: .continuous) }
    }

    /// No request starts for `duration` (from now).
    func pause(for duration: Duration) {
        let until = ContinuousClock.now + duration
        state.withLock { $0.pausedUntil = max($0.pausedUntil, until) }
    }
}
