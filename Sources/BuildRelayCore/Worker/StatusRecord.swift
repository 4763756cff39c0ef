/// A record for the status topic: one encoded ``StatusEvent``, keyed by its request id.
public struct StatusRecord: Sendable {
    public var key: [UInt8]
    /// The event's CloudEvents JSON, exactly as recorded in the build's state.
    public var value: [UInt8]
    /// Sent as the `traceparent` header.
    public var traceparent: String

    public init(key: [UInt8], value: [UInt8], traceparent: String) {
        self.key = key
        self.value = value
        self.traceparent = traceparent
    }
}
