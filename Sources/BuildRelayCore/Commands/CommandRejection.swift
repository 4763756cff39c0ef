/// Why a command record cannot be processed: it goes to the dead-letter topic with `reason`.
public struct CommandRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// A readable reason, the value of the `buildrelay-error` header.
    public var reason: String
    /// The command's `requestId` when it was readable and valid: if the worker has no record of it, the caller
    /// gets a `failed` event (kind `user`) instead of waiting forever.
    public var requestID: RequestID?

    public init(reason: String, requestID: RequestID? = nil) {
        self.reason = reason
        self.requestID = requestID
    }

    public var description: String { reason }
}
