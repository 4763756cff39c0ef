/// What ``BuildManager/status(_:)`` observed about a build.
public struct BuildStatusReport: Sendable, Hashable {
    /// ``BuildStatus/unknown`` for anything the provider does not recognise: the worker keeps polling.
    public var status: BuildStatus
    /// Merged into the build's next event, provider keys winning over the command's (e.g. `url`).
    public var metadata: BuildMetadata
    /// With ``BuildStatus/failed``: why, when the provider knows better than "the build failed" (a user error),
    /// e.g. a build that could not even start (infra). Published as the `failed` event's `error`.
    public var failure: BuildError?

    public init(status: BuildStatus, metadata: BuildMetadata = [:], failure: BuildError? = nil) {
        self.status = status
        self.metadata = metadata
        self.failure = failure
    }
}
