import Logging
import ServiceContextModule

/// Which build a provider call is for, in the task-local ``ServiceContext`` the call runs in: providers send the
/// trace on (``ServiceContext/buildTraceParent``), and ``Logger/MetadataProvider/providerCall`` puts the ids on
/// every line logged during the call, the provider's own included.
public struct ProviderCallContext: Sendable {
    public var requestID: RequestID
    public var queue: String
    public var provider: String
    /// `nil` for a trigger.
    public var buildID: BuildID?
    /// The build's W3C trace context.
    public var traceparent: String
    /// The call is a status poll: a provider short of its vendor's budget serves triggers and cancels first.
    public var isPoll: Bool = false

    /// `requestId`, `queue`, `provider` and `buildId`, as every log line about a build carries them.
    public var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["requestId": "\(requestID)", "queue": "\(queue)", "provider": "\(provider)"]
        if let buildID { metadata["buildId"] = "\(buildID)" }
        return metadata
    }
}

public enum ProviderCallContextKey: ServiceContextKey {
    public typealias Value = ProviderCallContext
    public static var nameOverride: String? { "buildrelay.call" }
}

extension ServiceContext {
    public var providerCall: ProviderCallContext? {
        get { self[ProviderCallContextKey.self] }
        set { self[ProviderCallContextKey.self] = newValue }
    }

    /// The `traceparent` of the build the current provider call is for.
    public var buildTraceParent: String? { providerCall?.traceparent }
}

extension Logger.MetadataProvider {
    /// The current provider call's ids (see ``ProviderCallContext``); bootstrap logging with it.
    public static let providerCall = Logger.MetadataProvider { ServiceContext.current?.providerCall?.logMetadata ?? [:] }
}
