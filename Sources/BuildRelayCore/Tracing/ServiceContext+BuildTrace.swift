import ServiceContextModule

/// The build's `traceparent`, in the task-local ``ServiceContext`` of the provider calls made for it, so a provider
/// can send it on (the HTTP providers add it to their requests as a child context).
public enum BuildTraceParentKey: ServiceContextKey {
    public typealias Value = String
    public static var nameOverride: String? { "buildrelay.traceparent" }
}

extension ServiceContext {
    public var buildTraceParent: String? {
        get { self[BuildTraceParentKey.self] }
        set { self[BuildTraceParentKey.self] = newValue }
    }
}
