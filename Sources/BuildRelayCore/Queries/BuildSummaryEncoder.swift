/// The JSON of ``BuildSummary`` values (`schemas/build-summary.schema.json`), as `/builds`, `buildrelay status
/// --json` and `buildrelay builds --json` print them. Times are RFC 3339 in UTC; `inStatusSeconds` is counted to
/// `now`, the moment of the answer.
public enum BuildSummaryEncoder {
    /// One summary, as a JSON object.
    public static func encode(_ summary: BuildSummary, now: Int64) -> [UInt8] {
        var out = JSONWriter(capacity: 512)
        write(summary, now: now, to: &out)
        return out.bytes
    }

    /// `{"builds":[…]}`, in the order given.
    public static func encode(_ summaries: [BuildSummary], now: Int64) -> [UInt8] {
        var out = JSONWriter(capacity: 64 + 512 * summaries.count)
        out.raw(#"{"builds":["#)
        for (index, summary) in summaries.enumerated() {
            if index > 0 { out.raw(",") }
            write(summary, now: now, to: &out)
        }
        out.raw("]}")
        return out.bytes
    }

    private static func write(_ summary: BuildSummary, now: Int64, to out: inout JSONWriter) {
        out.raw(#"{"requestId":"#)
        out.string(summary.requestID.rawValue)
        out.raw(#","queue":"#)
        out.string(summary.queue)
        out.raw(#","buildId":"#)
        if let buildID = summary.buildID { out.string(buildID.rawValue) } else { out.raw("null") }
        out.raw(#","status":""#)
        out.raw(summary.status.rawValue)
        out.raw(#"","sequence":"#)
        out.raw(String(summary.sequence))
        out.raw(#","partition":"#)
        out.raw(String(summary.partition))
        out.raw(#","cancelRequested":"#)
        out.raw(summary.cancelRequested ? "true" : "false")
        out.raw(#","metadata":"#)
        out.object(summary.metadata.entries)
        out.raw(#","error":"#)
        out.buildError(summary.error)
        out.raw(#","statusSince":""#)
        out.timestamp(milliseconds: summary.statusSince)
        out.raw(#"","inStatusSeconds":"#)
        out.raw(String(max(0, now - summary.statusSince) / 1000))
        out.raw(#","updatedAt":""#)
        out.timestamp(milliseconds: summary.updatedAt)
        out.raw(#"","triggeredAt":"#)
        optionalTimestamp(summary.triggeredAt, to: &out)
        out.raw(#","settledAt":"#)
        optionalTimestamp(summary.settledAt, to: &out)
        out.raw("}")
    }

    private static func optionalTimestamp(_ milliseconds: Int64?, to out: inout JSONWriter) {
        guard let milliseconds else { return out.raw("null") }
        out.raw("\"")
        out.timestamp(milliseconds: milliseconds)
        out.raw("\"")
    }
}
