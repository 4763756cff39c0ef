/// How a fake vendor's builds move on.
public enum VendorTiming: Sendable {
    /// One state per `GET` of the build (and per listing of it by a poll), for tests that step builds along.
    case perLook
    /// Queued for `queued`, then running for a duration drawn from `running`, then finished: runs at scale, and
    /// webhooks, which announce changes nobody asked about.
    case clock(queued: Duration, running: ClosedRange<Duration>)

    /// A running time drawn from `running` (zero for ``perLook``).
    func drawRunningTime() -> Duration {
        guard case .clock(_, let running) = self else { return .zero }
        let span = (running.upperBound - running.lowerBound).wholeMilliseconds
        return running.lowerBound + .milliseconds(span > 0 ? Int64.random(in: 0...span) : 0)
    }
}
