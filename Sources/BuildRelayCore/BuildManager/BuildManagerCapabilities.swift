/// What a ``BuildManager`` declares about itself that changes how the worker drives it.
public struct BuildManagerCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Builds run on the worker itself (the `process` provider): another worker cannot take them over, so a
    /// graceful shutdown waits up to `worker.shutdownTimeout` for them, then stops them and reports them `failed`
    /// (infra, retryable).
    public static let localBuilds = BuildManagerCapabilities(rawValue: 1 << 0)

    /// Before starting a build whose ``TriggerRequest/mayHaveStarted`` is set, the manager looks up the build an
    /// earlier attempt started, which costs a vendor request. The worker then records each request's first trigger
    /// attempt in `build.state` before making it and passes `mayHaveStarted: false`, so a first attempt is one
    /// request; retries and takeovers of an attempt in flight look up.
    public static let looksUpEarlierTriggers = BuildManagerCapabilities(rawValue: 1 << 1)

    /// ``BuildManager/statuses(of:)`` answers many builds in a few requests: the worker gathers the polls of a
    /// queue that fall due together into one call, instead of a status request per build.
    public static let batchStatus = BuildManagerCapabilities(rawValue: 1 << 2)
}
