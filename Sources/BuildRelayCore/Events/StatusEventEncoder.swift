/// Writes status events as CloudEvents 1.0 in structured mode, byte for byte in a fixed shape: members in a fixed
/// order, metadata keys sorted, no insignificant whitespace. The same event always encodes to the same bytes.
public struct StatusEventEncoder: Sendable {
    /// The Kafka `content-type` header of a `build.status` record.
    public static let contentType = "application/cloudevents+json; charset=UTF-8"
    public static let eventType = "dev.buildrelay.build.status.v1"

    /// `buildrelay://<consumer group id>`.
    public var source: String

    public init(groupID: String) {
        self.source = "buildrelay://\(groupID)"
    }

    public func encode(_ event: StatusEvent) -> [UInt8] {
        var out = JSONWriter(capacity: 640 + JSONWriter.estimatedSize(of: event.metadata.entries) + (event.error?.message.utf8.count ?? 0))
        out.raw(#"{"specversion":"1.0","id":"#)
        out.string(event.id)
        out.raw(#","source":"#)
        out.string(source)
        out.raw(#","type":""#)
        out.raw(Self.eventType)
        out.raw(#"","subject":"#)
        out.string(event.requestID.rawValue)
        out.raw(#","time":""#)
        out.timestamp(milliseconds: event.timeMilliseconds)
        out.raw(#"","datacontenttype":"application/json","traceparent":"#)
        out.string(event.traceparent)
        out.raw(#","data":{"requestId":"#)
        out.string(event.requestID.rawValue)
        out.raw(#","queue":"#)
        out.string(event.queue)
        out.raw(#","buildId":"#)
        if let buildID = event.buildID { out.string(buildID.rawValue) } else { out.raw("null") }
        out.raw(#","status":""#)
        out.raw(event.status.rawValue)
        out.raw(#"","previousStatus":""#)
        out.raw(event.previousStatus.rawValue)
        out.raw(#"","sequence":"#)
        out.integer(Int64(event.sequence))
        out.raw(#","metadata":"#)
        out.object(event.metadata.entries)
        out.raw(#","error":"#)
        out.buildError(event.error)
        out.raw("}}")
        return out.bytes
    }
}
