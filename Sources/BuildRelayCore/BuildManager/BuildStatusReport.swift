/// What ``BuildManager/status(_:)`` observed about a build.
public struct BuildStatusReport: Sendable, Hashable {
    /// ``BuildStatus/unknown`` for anything the provider does not recognise: the worker keeps polling.
    public var status: BuildStatus
    /// Merged into the build's next event, provider keys winning over the command's (e.g. `url`).
    public var metadata: BuildMetadata

    public init(status: BuildStatus, metadata: BuildMetadata = [:]) {
        self.status = status
        self.metadata = metadata
    }
}
