/// The parts of a published status event's JSON that a ``BuildSummary`` shows: `data.metadata` and `data.error`.
struct PublishedEventFields {
    var metadata: BuildMetadata
    var error: BuildError?

    /// `nil` when `bytes` is not a status event.
    init?(_ bytes: [UInt8]) {
        guard case .object(let event)? = try? JSONParser.parse(bytes), case .object(let data)? = event["data"] else { return nil }
        var metadata = BuildMetadata()
        if case .object(let entries)? = data["metadata"] {
            for (key, value) in entries { if case .string(let text) = value { metadata[key] = text } }
        }
        self.metadata = metadata
        // An event carries the error's kind, retryability and message, not its code.
        if case .object(let error)? = data["error"], case .string(let kindName)? = error["kind"], let kind = BuildError.Kind(rawValue: kindName),
            case .string(let message)? = error["message"]
        {
            self.error = BuildError(code: .unclassified, kind: kind, isRetryable: error["retryable"] == .bool(true), message: message)
        }
    }
}
