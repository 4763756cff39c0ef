/// Bounded exponential backoff with jitter for retryable provider errors (`worker.retry`).
public struct RetryPolicy: Sendable, Hashable {
    /// Calls in all, the first included.
    public var maxAttempts: Int
    /// No retry starts later than this after the first failure.
    public var maxElapsed: Duration
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(maxAttempts: Int = 8, maxElapsed: Duration = .seconds(600), initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30)) {
        self.maxAttempts = maxAttempts
        self.maxElapsed = maxElapsed
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The wait after failed attempt number `attempt` (1-based): `initialBackoff · 2^(attempt-1)`, capped at
    /// `maxBackoff`, then drawn uniformly from its upper half ("equal jitter").
    public func backoff(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let capped = min(initialBackoff * (1 << exponent), maxBackoff)
        return capped * Double.random(in: 0.5...1, using: &random)
    }

    /// Whether attempt number `attempt + 1` may start, `elapsed` after the first failure.
    public func allowsRetry(afterAttempt attempt: Int, elapsed: Duration) -> Bool {
        attempt < maxAttempts && elapsed < maxElapsed
    }
}
