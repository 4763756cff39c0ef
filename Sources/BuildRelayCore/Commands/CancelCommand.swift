/// Cancel the build of a request (remembered even if the trigger has not arrived yet).
public struct CancelCommand: Sendable, Hashable {
    public var requestID: RequestID
    /// Why, for logs and people; optional.
    public var reason: String?

    public init(requestID: RequestID, reason: String? = nil) {
        self.requestID = requestID
        self.reason = reason
    }
}
