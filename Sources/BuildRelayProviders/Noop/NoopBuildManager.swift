import BuildRelayCore

/// A provider that builds nothing: every trigger has already `succeeded`. For measuring BuildRelay itself.
public struct NoopBuildManager: BuildManager {
    private static let prefix = "noop-"
    private let closed = ClosedState()

    public init() {}

    public func trigger(_ request: TriggerRequest) async throws -> TriggeredBuild {
        let requestID = request.requestID
        try closed.checkOpen()
        return TriggeredBuild(id: BuildID(Self.prefix + requestID.rawValue), status: .succeeded)
    }

    public func status(_ build: BuildID) async throws -> BuildStatusReport {
        try closed.checkOpen()
        guard build.rawValue.hasPrefix(Self.prefix) else { throw BuildError.unknownBuild(build) }
        return BuildStatusReport(status: .succeeded)
    }

    /// Every noop build is terminal, so cancelling is a no-op.
    public func cancel(_ build: BuildID) async throws {
        try closed.checkOpen()
        guard build.rawValue.hasPrefix(Self.prefix) else { throw BuildError.unknownBuild(build) }
    }

    public func close() async throws {
        closed.close()
    }
}
