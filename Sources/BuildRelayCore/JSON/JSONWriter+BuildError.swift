extension JSONWriter {
    /// Appends an event's `error` member value: `{"kind","retryable","message"}`, or `null`.
    mutating func buildError(_ error: BuildError?) {
        guard let error else { return raw("null") }
        raw(#"{"kind":""#)
        raw(error.kind.rawValue)
        raw(#"","retryable":"#)
        raw(error.isRetryable ? "true" : "false")
        raw(#","message":"#)
        string(error.message)
        raw("}")
    }
}
