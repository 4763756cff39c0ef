/// How the `simulated` provider's builds behave (`queues.<name>.simulated` in the configuration).
public struct SimulatedBuildConfiguration: Sendable, Hashable {
    /// Shortest and longest build, from trigger to its terminal status.
    public var minimumDuration: Duration
    public var maximumDuration: Duration
    /// The share of builds that end `failed`, in 0...1.
    public var failureRate: Double

    public init(minimumDuration: Duration = .seconds(1), maximumDuration: Duration = .seconds(5), failureRate: Double = 0.1) {
        self.minimumDuration = minimumDuration
        self.maximumDuration = max(minimumDuration, maximumDuration)
        self.failureRate = min(1, max(0, failureRate))
    }
}
