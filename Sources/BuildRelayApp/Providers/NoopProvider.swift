import BuildRelayCore
import BuildRelayProviders
import Logging

/// `provider: noop`: every build succeeds at once (for load tests and wiring checks).
public struct NoopProvider: ProviderRegistration {
    public static let name = "noop"

    public init() {}

    public init(reading queue: QueueBlockReader) throws {}

    public func makeManager(logger: Logger) -> any BuildManager { NoopBuildManager() }
}
