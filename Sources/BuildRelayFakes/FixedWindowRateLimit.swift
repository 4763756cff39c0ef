import Synchronization

/// A vendor's request budget for a whole organization or token, shared by every client: `limit` requests per
/// window, windows following each other at a fixed cadence from the first request; beyond the limit, requests are
/// refused until the window ends.
public final class FixedWindowRateLimit: Sendable {
    public struct Decision: Sendable {
        public var allowed: Bool
        /// Requests left in this window after this one.
        public var remaining: Int
        /// Whole seconds until the window resets (at least 1).
        public var resetInSeconds: Int
    }

    public let limit: Int
    public let window: Duration
    private let state = Mutex<(windowStart: ContinuousClock.Instant, used: Int, refused: Int)>((.now, 0, 0))

    public init(limit: Int, window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    /// Counts one request against the budget.
    public func take() -> Decision {
        let now = ContinuousClock.now
        return state.withLock { state in
            if now - state.windowStart >= window {
                // Windows follow each other at a fixed cadence, from the first request on.
                var start = state.windowStart
                while now - start >= window { start += window }
                state = (start, 0, state.refused)
            }
            let left = window - (now - state.windowStart)
            let reset = max(1, Int((Double(left.wholeMilliseconds) / 1000).rounded(.up)))
            guard state.used < limit else {
                state.refused += 1
                return Decision(allowed: false, remaining: 0, resetInSeconds: reset)
            }
            state.used += 1
            return Decision(allowed: true, remaining: limit - state.used, resetInSeconds: reset)
        }
    }

    /// Requests refused (429) so far.
    public var refused: Int { state.withLock { $0.refused } }
}
