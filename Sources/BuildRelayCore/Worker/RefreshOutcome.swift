/// What the owner did with a `refresh` command (`buildrelay_refreshes_total{outcome}`).
enum RefreshOutcome: String, Sendable, CaseIterable {
    /// A status call now, instead of at the next poll.
    case polled
    /// The build was busy (recording, triggering, cancelling): it polls as soon as it is idle.
    case deferred
    /// The observed status is the one the build already has: no vendor request.
    case unchanged
    /// A status call for the build was in flight already.
    case coalesced
    /// The build is unknown here, not yet started, or settled.
    case ignored
}
