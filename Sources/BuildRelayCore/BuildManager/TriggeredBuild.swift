/// What ``BuildManager/trigger(queue:changes:metadata:requestID:)`` started.
public struct TriggeredBuild: Sendable, Hashable {
    /// The provider's id for the build: what `status` and `cancel` take, on this worker or any other.
    public var id: BuildID
    /// ``BuildStatus/accepted`` unless the provider already knows better: a terminal status makes the worker
    /// report it at once and skip the first poll; ``BuildStatus/unknown`` is reported as `accepted`.
    public var status: BuildStatus

    public init(id: BuildID, status: BuildStatus = .accepted) {
        self.id = id
        self.status = status
    }
}
