/// A configured queue: the name commands use, the provider that runs its builds, and its polling.
public struct BuildQueue: Sendable {
    public var name: String
    /// The provider's configuration name (`buildkite`, `simulated`, …), for logs and metrics.
    public var provider: String
    public var manager: any BuildManager
    /// The worker's intervals with this queue's overrides applied.
    public var pollIntervals: PollIntervals
    /// The manager declares ``BuildManagerCapabilities/localBuilds``.
    public let buildsAreLocal: Bool

    public init(name: String, provider: String, manager: any BuildManager, pollIntervals: PollIntervals = PollIntervals()) {
        self.name = name
        self.provider = provider
        self.manager = manager
        self.pollIntervals = pollIntervals
        self.buildsAreLocal = manager.capabilities.contains(.localBuilds)
    }
}
