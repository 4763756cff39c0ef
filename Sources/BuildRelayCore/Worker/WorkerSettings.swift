/// The `worker.*` settings of the contract, every one defaulted.
public struct WorkerSettings: Sendable, Hashable {
    /// The consumer group id; events carry `source: buildrelay://<groupID>`.
    public var groupID: String = "buildrelay"
    /// Builds tracked at once; at the limit new triggers wait, cancels still apply.
    public var maxInFlightBuilds: Int = 10_000
    /// Waiting triggers beyond which the worker pauses its command partitions.
    public var maxHeldTriggers: Int = 1_000
    public var maxCommandBytes: Int = 512 * 1024
    /// How long a terminal request id is remembered before its tombstone.
    public var requestRetention: Duration = .seconds(7 * 86_400)
    public var pollIntervals = PollIntervals()
    /// `status` calls in flight at once.
    public var statusConcurrency: Int = 64
    /// `trigger` and `cancel` calls in flight at once (an extension of the contract).
    public var commandConcurrency: Int = 64
    public var retry = RetryPolicy()
    /// A build still not terminal this long after its trigger is cancelled and reported `failed` (infra).
    public var maxBuildDuration: Duration = .seconds(6 * 3600)
    /// Bounds the graceful shutdown, and the wait for in-flight work when partitions are revoked.
    public var shutdownTimeout: Duration = .seconds(30)
    /// On restore, the last event of a terminal build is published again only if it was recorded within this
    /// window of the partition's newest state record: older ones were certainly published (an extension of the
    /// contract; non-terminal builds always get theirs republished).
    public var republishWindow: Duration = .seconds(600)

    public init() {}
}
