/// What a ``BuildManager`` declares about itself that changes how the worker drives it.
public struct BuildManagerCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Builds run on the worker itself (the `process` provider): another worker cannot take them over, so a
    /// graceful shutdown waits up to `worker.shutdownTimeout` for them, then stops them and reports them `failed`
    /// (infra, retryable).
    public static let localBuilds = BuildManagerCapabilities(rawValue: 1 << 0)
}
