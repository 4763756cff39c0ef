import BuildRelayCore

/// The trigger commands the benchmarks send: one change, one metadata entry, keyed by request id.
enum BenchCommands {
    static func trigger(_ requestID: String, queue: String) -> [UInt8] {
        CommandEncoder.encode(.trigger(TriggerCommand(
            requestID: RequestID(rawValue: requestID)!, queue: queue,
            changes: [BuildChange(uris: ["github://acme/api/pull/42/9fceb02d0ae598e95dc970b74767f19372d61af8"])],
            metadata: ["author": "bench"])))
    }
}
