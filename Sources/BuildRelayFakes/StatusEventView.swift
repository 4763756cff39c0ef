import BuildRelayCore

/// A status event as a reader of the status topic sees it: the fields the tests and the chaos suite check, parsed
/// from the CloudEvent, whose bytes are kept so that repeats can be compared byte for byte.
public struct StatusEventView: Sendable {
    public var bytes: [UInt8]
    public var id: String
    public var requestID: String
    public var sequence: Int
    public var status: String
    public var previousStatus: String
    public var buildID: String?
    /// `data.error.kind` of a `failed` event.
    public var errorKind: String?
    /// `data.error.message` of a `failed` event.
    public var errorMessage: String?
    public var metadata: [String: String]

    public var isTerminal: Bool { ["succeeded", "failed", "cancelled"].contains(status) }

    /// `nil` unless `bytes` is a status event of the contract.
    public init?(_ bytes: [UInt8]) {
        guard case .object(let event)? = try? JSONParser.parse(bytes),
              case .string(let id)? = event["id"], case .object(let data)? = event["data"],
              case .string(let requestID)? = data["requestId"], case .number(let sequence)? = data["sequence"],
              case .string(let status)? = data["status"], case .string(let previous)? = data["previousStatus"] else { return nil }
        self.bytes = bytes
        self.id = id
        self.requestID = requestID
        self.sequence = Int(sequence)
        self.status = status
        self.previousStatus = previous
        if case .string(let value)? = data["buildId"] { buildID = value }
        if case .object(let error)? = data["error"] {
            if case .string(let kind)? = error["kind"] { errorKind = kind }
            if case .string(let message)? = error["message"] { errorMessage = message }
        }
        var metadata: [String: String] = [:]
        if case .object(let entries)? = data["metadata"] {
            for case let (key, .string(value)) in entries { metadata[key] = value }
        }
        self.metadata = metadata
    }
}
