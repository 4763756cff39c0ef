/// How often the worker asks a provider for a build's status, by the build's current status.
public struct PollIntervals: Sendable, Hashable {
    /// While the build is `accepted` (queued at the provider).
    public var accepted: Duration
    /// While the build is `running` (and while its status is `unknown`).
    public var running: Duration
    /// Each wait is drawn uniformly from ±`jitter` of the interval, so builds triggered together spread out.
    public var jitter: Double

    public init(accepted: Duration = .seconds(5), running: Duration = .seconds(2), jitter: Double = 0.1) {
        self.accepted = accepted
        self.running = running
        self.jitter = jitter
    }

    /// The wait before the next status call of a build that is `status`, jittered with `random`.
    public func interval(for status: BuildStatus, using random: inout some RandomNumberGenerator) -> Duration {
        let base = status == .accepted ? accepted : running
        guard jitter > 0 else { return base }
        return base * Double.random(in: (1 - jitter)...(1 + jitter), using: &random)
    }
}
