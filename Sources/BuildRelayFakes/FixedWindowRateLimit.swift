import Foundation
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
        /// When the window resets, in whole seconds since the Unix epoch (rounded up), as GitHub's
        /// `x-ratelimit-reset` says it.
        public var resetAtEpochSeconds: Int
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
            let left = Double((window - (now - state.windowStart)).wholeMilliseconds) / 1000
            let reset = max(1, Int(left.rounded(.up)))
            let resetAt = Int((Date().timeIntervalSince1970 + left).rounded(.up))
            guard state.used < limit else {
                state.refused += 1
                return Decision(allowed: false, remaining: 0, resetInSeconds: reset, resetAtEpochSeconds: resetAt)
            }
            state.used += 1
            return Decision(allowed: true, remaining: limit - state.used, resetInSeconds: reset, resetAtEpochSeconds: resetAt)
        }
    }

    /// Requests refused (429) so far.
    public var refused: Int { state.withLock { $0.refused } }
}
